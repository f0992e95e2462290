// Domain operations: add_domain, list_domains, verify_domain, remove_domain, and the periodic
// check of pending custom domains (VerifyPendingDomains). Which names are accepted and what DNS
// must say is src/api/domain_rules.h (pure); this file looks the records up through
// deps.resolver and keeps the store's rows.
#include "ink/acme/certificate_manager.h"
#include "ink/common/names.h"
#include "ink/common/service_addresses.h"
#include "ink/dns/dns_names.h"
#include "ink/dns/resolver.h"
#include "src/api/domain_rules.h"
#include "src/api/operations_internal.h"

namespace ink {
namespace api_internal {
namespace {

// The hostname a custom domain must point at: the service's default one.
std::string TargetHost(const OperationDeps& deps, const Service& s, const std::string& project) {
  return PublicServiceHost(s.name, project, deps.platform_domain);
}

std::string DomainUrl(const OperationDeps& deps, const std::string& name) {
  return "http://" + name + (deps.edge_port == 80 ? "" : ":" + std::to_string(deps.edge_port));
}

// The https URL once the edge serves the name with a certificate, else the plain one.
std::string ServedUrl(const OperationDeps& deps, const Domain& d, const Json& certificate) {
  if (deps.edge_tls_port <= 0 || certificate.value("status", "") != "issued") {
    return DomainUrl(deps, d.name);
  }
  return "https://" + d.name +
         (deps.edge_tls_port == 443 ? "" : ":" + std::to_string(deps.edge_tls_port));
}

// What the certificate manager says of the domain's certificate.
Json CertificateJson(const OperationDeps& deps, const Domain& d) {
  if (deps.certificates == nullptr) {
    return {{"status", "none"},
            {"reason", "this inkd obtains no certificates (start it with --acme-directory)"}};
  }
  if (d.status != "verified") {
    return {{"status", "none"}, {"reason", "requested once the domain is verified"}};
  }
  const bool wildcard = deps.platform_wildcard && d.kind == "platform";
  const std::string held_by = wildcard ? "*." + deps.platform_domain : d.name;
  auto state = deps.certificates->State(held_by);
  if (!state) return {{"status", "pending"}, {"reason", "requested at the next pass"}};
  Json out = {{"status", state->status}, {"reason", state->error}};
  // Past its renewal time and not renewed yet (a renewal failing, or under way): expiring.
  if (state->status == "issued" && state->renew_at_ms != 0 &&
      deps.clock.NowMillis() >= state->renew_at_ms) {
    out["status"] = "expiring";
    if (state->error.empty()) out["reason"] = "renewal due; it runs at the next pass";
  }
  if (wildcard) out["covered_by"] = held_by;
  if (state->not_after_ms) {
    out["not_after"] = state->not_after_ms;
    out["renew_at"] = state->renew_at_ms;
  }
  if (state->failures) {
    out["failures"] = state->failures;
    out["next_try"] = state->next_try_ms;
  }
  return out;
}

// Something changed that the certificate manager acts on: a pass soon.
void WakeCertificates(OperationDeps& deps) {
  if (deps.certificates) deps.certificates->Wake();
}

Json DomainJson(const OperationDeps& deps, const Domain& d, const std::string& service,
                const std::string& project, const std::string& target) {
  Json out = {{"name", d.name},
              {"service", service},
              {"project", project},
              {"kind", d.kind},
              {"status", d.status},
              {"reason", d.reason},
              {"url", DomainUrl(deps, d.name)},
              {"created_at", d.created_at},
              {"verified_at", d.verified_at == 0 ? Json(nullptr) : Json(d.verified_at)}};
  if (d.kind == "custom") {
    out["target"] = target;
    out["records"] = DomainRecords(d.name, d.token, target);
  }
  out["certificate"] = CertificateJson(deps, d);
  out["url"] = ServedUrl(deps, d, out["certificate"]);
  return out;
}

LookupAnswer Ask(dns::Resolver& resolver, const std::string& name, const std::string& type) {
  auto r = resolver.Lookup(name, type);
  if (!r.ok()) return {{}, r.error().message};
  return {std::move(*r), ""};
}

// The addresses `target` has: loopback for a platform under .localhost (RFC 6761: it resolves
// there without DNS), else what the resolver answers.
std::vector<std::string> TargetAddresses(const OperationDeps& deps, dns::Resolver& resolver,
                                         const std::string& target) {
  if (deps.platform_domain == "localhost") return {"127.0.0.1", "::1"};
  std::vector<std::string> out;
  for (const char* type : {"A", "AAAA"}) {
    auto r = resolver.Lookup(target, type);
    if (r.ok()) out.insert(out.end(), r->begin(), r->end());
  }
  return out;
}

DomainVerdict Check(OperationDeps& deps, const Domain& d, const std::string& target) {
  if (deps.resolver == nullptr) {
    return {.definite = false, .reason = "this inkd has no DNS resolver (start it with "
                                         "--dns-resolver HOST:PORT)"};
  }
  dns::Resolver& r = *deps.resolver;
  DomainAnswers answers{.txt = Ask(r, ChallengeName(d.name), "TXT"),
                        .cname = Ask(r, d.name, "CNAME"),
                        .a = {},
                        .aaaa = {},
                        .target_addresses = {}};
  if (answers.cname.error.empty() && answers.cname.values.empty()) {
    answers.a = Ask(r, d.name, "A");
    answers.aaaa = Ask(r, d.name, "AAAA");
    answers.target_addresses = TargetAddresses(deps, r, target);
  }
  return JudgeDomain(d.name, d.token, target, answers);
}

void Record(OperationDeps& deps, const Domain& d, const std::string& kind,
            const std::string& message) {
  JournalEvent(deps, d.workspace_id, d.service_id, kind, message);
}

// Checks DNS for custom domain `d` and files the outcome: verified, or pending (never verified
// before) / failed (it was verified and DNS no longer says so) with the reason. A lookup that
// could not be made changes nothing. Answers the domain as stored and the verdict.
Result<std::pair<Domain, DomainVerdict>> VerifyAndFile(OperationDeps& deps, const Domain& d,
                                                       const std::string& target) {
  DomainVerdict verdict = Check(deps, d, target);
  if (!verdict.definite) return std::pair{d, verdict};
  std::string status = verdict.verified()                 ? "verified"
                       : d.status == "pending_dns"        ? "pending_dns"
                                                          : "failed";
  if (status == d.status && verdict.reason == d.reason) return std::pair{d, verdict};
  auto stored = deps.store.SetDomainStatus(d.workspace_id, d.name, status, verdict.reason);
  if (!stored.ok()) return stored.error();
  if (status != d.status) {
    if (status == "verified") {
      Record(deps, d, "domain_verified", "domain " + d.name + " verified: served at " +
                                             DomainUrl(deps, d.name));
    } else if (status == "failed") {
      Record(deps, d, "domain_failed", "domain " + d.name + " is no longer served: " +
                                           verdict.reason);
    }
    deps.controller.Wake();  // its route comes or goes
    WakeCertificates(deps);
  }
  return std::pair{*stored, verdict};
}

struct Owner {
  Service service;
  std::string project;
};

Result<Owner> OwnerOf(OperationDeps& deps, const Domain& d) {
  auto s = deps.store.GetServiceById(d.service_id);
  if (!s.ok()) return s.error();
  auto p = deps.store.GetProject(d.workspace_id, d.project_id);
  if (!p.ok()) return p.error();
  return Owner{*s, p->name};
}

Result<Domain> FindDomain(OperationDeps& deps, const Caller& caller, const Json& in) {
  auto name = dns::CanonicalName(in.value("name", ""));
  if (!name.ok()) return name.error();
  return deps.store.GetDomain(caller.workspace_id, *name);
}

}  // namespace

void RegisterDomainOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement(
      "add_domain", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto project = FindProject(deps, c, in);
        if (!project.ok()) return project.error();
        auto service = FindService(deps, c, *project, in);
        if (!service.ok()) return service.error();
        auto placed = PlaceDomain(in.value("name", ""), deps.platform_domain);
        if (!placed.ok()) return placed.error();
        const std::string target = TargetHost(deps, *service, project->name);
        if (placed->name == target) {
          return InvalidArgument("'" + placed->name + "' is already service '" + service->name +
                                 "''s default hostname; add another name");
        }
        Domain d{.name = placed->name,
                 .workspace_id = c.workspace_id,
                 .project_id = project->id,
                 .service_id = service->id,
                 .kind = placed->kind,
                 .token = "ink-verify=" + RandomToken(20),
                 .status = placed->kind == "platform" ? "verified" : "pending_dns",
                 .reason = placed->kind == "platform"
                               ? ""
                               : "waiting for DNS: create the records below, then run "
                                 "verify_domain (`ink domains verify " +
                                     placed->name + "`)"};
        auto created = deps.store.CreateDomain(d);
        if (!created.ok()) return created.error();
        Record(deps, *created, "domain_added",
               "domain " + created->name + " added (" + created->kind + ")");
        deps.controller.Wake();
        WakeCertificates(deps);
        Json out = {{"domain", DomainJson(deps, *created, service->name, project->name, target)}};
        out["next"] = created->kind == "platform"
                          ? "served now at " + DomainUrl(deps, created->name)
                          : "create the records in domain.records at your DNS host, then run "
                            "verify_domain (`ink domains verify " +
                                created->name + "`); Ink also checks every minute";
        return out;
      }}));
  table.Add(Implement(
      "list_domains", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto project = FindProject(deps, c, in);
        if (!project.ok()) return project.error();
        std::string service_id;
        if (!in.value("service", "").empty()) {
          auto service = FindService(deps, c, *project, in);
          if (!service.ok()) return service.error();
          service_id = service->id;
        }
        auto list = deps.store.ListDomains(c.workspace_id, project->id, service_id);
        if (!list.ok()) return list.error();
        Json domains = Json::array();
        for (const auto& d : *list) {
          auto owner = OwnerOf(deps, d);
          if (!owner.ok()) continue;  // its service went away between the two reads
          domains.push_back(DomainJson(deps, d, owner->service.name, owner->project,
                                       TargetHost(deps, owner->service, owner->project)));
        }
        return Json{{"domains", domains}};
      }}));
  table.Add(Implement(
      "verify_domain", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto d = FindDomain(deps, c, in);
        if (!d.ok()) return d.error();
        auto owner = OwnerOf(deps, *d);
        if (!owner.ok()) return owner.error();
        const std::string target = TargetHost(deps, owner->service, owner->project);
        if (d->kind == "platform") {
          return Json{{"domain", DomainJson(deps, *d, owner->service.name, owner->project, target)},
                      {"checked", false},
                      {"message", "a platform domain needs no DNS check: it is served now"}};
        }
        auto filed = VerifyAndFile(deps, *d, target);
        if (!filed.ok()) return filed.error();
        const auto& [stored, verdict] = *filed;
        return Json{
            {"domain", DomainJson(deps, stored, owner->service.name, owner->project, target)},
            {"checked", true},
            {"ownership", verdict.owned},
            {"points_at_ink", verdict.pointed},
            {"message", verdict.verified()
                            ? "verified: served at " + DomainUrl(deps, stored.name)
                            : (verdict.definite ? "" : "nothing changed: ") + verdict.reason}};
      }}));
  table.Add(Implement(
      "remove_domain", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto d = FindDomain(deps, c, in);
        if (!d.ok()) return d.error();
        INK_RETURN_IF_ERROR(deps.store.DeleteDomain(c.workspace_id, d->name));
        Record(deps, *d, "domain_removed", "domain " + d->name + " removed: no longer served");
        deps.controller.Wake();
        WakeCertificates(deps);
        return Json{{"removed", d->name}};
      }}));
}

}  // namespace api_internal

int VerifyPendingDomains(OperationDeps& deps) {
  using namespace api_internal;
  auto workspaces = deps.store.ListWorkspaces();
  if (!workspaces.ok()) return 0;
  int verified = 0;
  for (const auto& w : *workspaces) {
    auto projects = deps.store.ListProjects(w.id);
    if (!projects.ok()) continue;
    for (const auto& p : *projects) {
      auto list = deps.store.ListDomains(w.id, p.id, "");
      if (!list.ok()) continue;
      for (const auto& d : *list) {
        if (d.kind != "custom" || d.status == "verified") continue;
        auto s = deps.store.GetServiceById(d.service_id);
        if (!s.ok()) continue;
        auto filed = VerifyAndFile(deps, d, PublicServiceHost(s->name, p.name,
                                                              deps.platform_domain));
        if (filed.ok() && filed->first.status == "verified") ++verified;
      }
    }
  }
  return verified;
}

}  // namespace ink
