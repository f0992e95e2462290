#include "ink/common/variable_references.h"

#include <optional>
#include <vector>

#include "ink/common/env_vars.h"
#include "ink/common/names.h"

namespace ink {
namespace {

constexpr std::string_view kOpen = "${{";
constexpr std::string_view kEscape = "$${{";
constexpr std::string_view kClose = "}}";

// A variable as a reference names it: "<scope>.<NAME>" (scope: a service or "shared").
struct Key {
  std::string scope;
  std::string name;
  std::string Text() const { return scope + "." + name; }
  bool operator==(const Key&) const = default;
};

// A value cut into literal text and references.
struct Segment {
  std::string text;  // literal text, if !reference
  bool reference = false;
  Key key;
};

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The reference the text between `${{` and `}}` names, seen from `own_scope`.
std::optional<Key> ParseReference(std::string_view inner, const std::string& own_scope) {
  inner = Trim(inner);
  size_t dot = inner.find('.');
  Key key;
  if (dot == std::string_view::npos) {
    key = {own_scope, std::string(inner)};
  } else {
    key = {std::string(inner.substr(0, dot)), std::string(inner.substr(dot + 1))};
    if (key.scope != kSharedScope && !ValidateName("service name", key.scope).ok()) {
      return std::nullopt;
    }
  }
  if (!ValidateVariableName(key.name).ok()) return std::nullopt;
  return key;
}

// Cuts `value` (variable `where` of `own_scope`) into segments. The error names the variable
// and the byte offset, never the text (it may be part of a secret).
Result<std::vector<Segment>> Parse(std::string_view value, const std::string& own_scope,
                                   const std::string& where) {
  std::vector<Segment> out;
  std::string literal;
  size_t i = 0;
  while (i < value.size()) {
    if (value.substr(i, kEscape.size()) == kEscape) {
      literal += kOpen;
      i += kEscape.size();
      continue;
    }
    if (value.substr(i, kOpen.size()) == kOpen) {
      size_t close = value.find(kClose, i + kOpen.size());
      if (close == std::string_view::npos) {  // never closed: literal text
        literal += value.substr(i);
        break;
      }
      auto key =
          ParseReference(value.substr(i + kOpen.size(), close - i - kOpen.size()), own_scope);
      if (!key) {
        return InvalidArgument(
            where + ": the ${{...}} at byte " + std::to_string(i) +
            " is not a reference (write ${{service.NAME}}, ${{shared.NAME}} or ${{NAME}}; for "
            "the literal text ${{ write $${{)");
      }
      if (!literal.empty()) out.push_back({.text = std::move(literal)});
      literal.clear();
      out.push_back({.reference = true, .key = std::move(*key)});
      i = close + kClose.size();
      continue;
    }
    literal += value[i];
    ++i;
  }
  if (!literal.empty()) out.push_back({.text = std::move(literal)});
  return out;
}

// Resolves variables of one project, remembering what it resolved. A `Resolver` lives for one
// call.
class Resolver {
 public:
  explicit Resolver(const ProjectEnv& env) : env_(env) {}

  // The value of `key` with its references resolved.
  Result<std::string> Resolve(const Key& key) {
    const std::string text = key.Text();
    if (auto done = resolved_.find(text); done != resolved_.end()) return done->second;
    for (size_t i = 0; i < stack_.size(); ++i) {
      if (stack_[i] == key) {
        std::string cycle;
        for (size_t j = i; j < stack_.size(); ++j) cycle += stack_[j].Text() + " -> ";
        return InvalidArgument("reference cycle: " + cycle + text +
                               " (a value cannot depend on itself)");
      }
    }
    auto raw = Raw(key);
    if (!raw.ok()) return InvalidArgument(Chain(text) + raw.error().message);
    if (!raw->second) {  // injected: no references in it
      resolved_[text] = raw->first;
      return raw->first;
    }
    stack_.push_back(key);
    auto value = Substitute(raw->first, key);
    stack_.pop_back();
    if (!value.ok()) return value.error();
    resolved_[text] = *value;
    return value;
  }

  // `value` (what the innermost key being resolved, `owner`, holds) with its references
  // resolved.
  Result<std::string> Substitute(std::string_view value, const Key& owner) {
    if (!HasReferenceSyntax(value)) return std::string(value);
    std::string where;
    for (const auto& k : stack_) where += (where.empty() ? "" : " -> ") + k.Text();
    auto segments = Parse(value, owner.scope, where);
    if (!segments.ok()) return segments.error();
    std::string out;
    for (const auto& segment : *segments) {
      if (!segment.reference) {
        out += segment.text;
        continue;
      }
      auto referenced = Resolve(segment.key);
      if (!referenced.ok()) return referenced.error();
      out += *referenced;
    }
    return out;
  }

  // The keys `key`'s value refers to, directly or not (best effort: errors end a branch).
  void Reach(const Key& key, std::set<std::string>& reached) {
    if (!reached.insert(key.Text()).second) return;
    auto raw = Raw(key);
    if (!raw.ok() || !raw->second) return;
    auto segments = Parse(raw->first, key.scope, key.Text());
    if (!segments.ok()) return;
    for (const auto& segment : *segments) {
      if (segment.reference) Reach(segment.key, reached);
    }
  }

 private:
  // The stored value of `key` and whether it may hold references (injected values do not).
  Result<std::pair<std::string, bool>> Raw(const Key& key) {
    if (key.scope == kSharedScope) {
      auto it = env_.shared.find(key.name);
      if (it == env_.shared.end()) {
        return NotFound("the project has no shared variable " + key.name);
      }
      return std::pair{it->second, true};
    }
    auto service = env_.services.find(key.scope);
    if (service == env_.services.end()) {
      return NotFound("there is no service '" + key.scope + "' in this project");
    }
    auto injected = InkVariables(service->second.addressing);
    if (auto ink = injected.find(key.name); ink != injected.end()) {
      return std::pair{ink->second, false};
    }
    const auto& variables = service->second.variables;
    if (auto it = variables.find(key.name); it != variables.end()) {
      return std::pair{it->second, true};
    }
    if (key.name == "PORT") {
      return std::pair{std::to_string(service->second.addressing.port), false};
    }
    return NotFound("service '" + key.scope + "' has no variable " + key.name);
  }

  // "a.X -> b.Y -> " followed by `last`, then ": ".
  std::string Chain(const std::string& last) const {
    std::string out;
    for (const auto& k : stack_) out += k.Text() + " -> ";
    return out + last + ": ";
  }

  const ProjectEnv& env_;
  std::map<std::string, std::string> resolved_;  // key text → resolved value
  std::vector<Key> stack_;                       // the keys being resolved, outermost first
};

}  // namespace

bool HasReferenceSyntax(std::string_view value) {
  return value.find(kOpen) != std::string_view::npos;
}

Result<std::map<std::string, std::string>> ResolveServiceEnv(const ProjectEnv& env,
                                                             const std::string& service) {
  auto it = env.services.find(service);
  if (it == env.services.end()) {
    return NotFound("there is no service '" + service + "' in this project");
  }
  Resolver resolver(env);
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : it->second.variables) {
    auto resolved = resolver.Resolve({service, name});
    if (!resolved.ok()) return resolved.error();
    out[name] = std::move(*resolved);
  }
  InjectVariables(it->second.addressing, out);
  return out;
}

Status CheckSharedVariables(const ProjectEnv& env) {
  Resolver resolver(env);
  for (const auto& [name, value] : env.shared) {
    auto resolved = resolver.Resolve({std::string(kSharedScope), name});
    if (!resolved.ok()) return resolved.error();
  }
  return {};
}

Status CheckResolvable(const ProjectEnv& env, const std::set<std::string>& keys) {
  Resolver resolver(env);
  for (const auto& text : keys) {
    size_t dot = text.find('.');
    if (dot == std::string::npos) return InvalidArgument(text + " is not a scope.NAME key");
    auto resolved = resolver.Resolve({text.substr(0, dot), text.substr(dot + 1)});
    if (!resolved.ok()) return resolved.error();
  }
  return {};
}

std::set<std::string> VariablesReferencing(const ProjectEnv& env,
                                           const std::set<std::string>& changed) {
  std::set<std::string> out;
  Resolver resolver(env);
  auto visit = [&](const std::string& scope, const std::map<std::string, std::string>& vars) {
    for (const auto& [name, value] : vars) {
      if (!HasReferenceSyntax(value)) continue;
      const std::string key = scope + "." + name;
      auto segments = Parse(value, scope, key);
      if (!segments.ok()) continue;
      std::set<std::string> reached;
      for (const auto& segment : *segments) {
        if (segment.reference) resolver.Reach(segment.key, reached);
      }
      for (const auto& k : reached) {
        if (changed.count(k)) {
          out.insert(key);
          break;
        }
      }
    }
  };
  visit(std::string(kSharedScope), env.shared);
  for (const auto& [service, entry] : env.services) visit(service, entry.variables);
  return out;
}

std::set<std::string> ServicesReferencing(const ProjectEnv& env,
                                          const std::set<std::string>& changed) {
  std::set<std::string> out;
  for (const auto& key : VariablesReferencing(env, changed)) {
    std::string scope = key.substr(0, key.find('.'));
    if (scope != kSharedScope) out.insert(std::move(scope));
  }
  return out;
}

}  // namespace ink
