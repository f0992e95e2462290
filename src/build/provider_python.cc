// Python provider: requirements.txt / pyproject.toml / Pipfile, or a stdlib-only main file.
//
// Dependencies go into a virtualenv at /opt/venv created with --system-site-packages, after
// the Debian packages of well-known requirements are installed: pip then finds a requirement
// "already satisfied" by the Debian copy when its version fits and downloads nothing, which is
// what lets these builds work without PyPI; other requirements come from PyPI as usual.
#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <sstream>

#include "detect_internal.h"
#include "toolchain.h"

namespace ink::build {
namespace {

// Requirement name (lowercase, '_' → '-') → Debian package providing it in bookworm.
const std::map<std::string, std::string>& DebianPythonPackages() {
  static const std::map<std::string, std::string> packages = {
      {"flask", "python3-flask"},
      {"django", "python3-django"},
      {"gunicorn", "gunicorn"},
      {"uvicorn", "python3-uvicorn"},
      {"fastapi", "python3-fastapi"},
      {"requests", "python3-requests"},
      {"jinja2", "python3-jinja2"},
      {"werkzeug", "python3-werkzeug"},
      {"sqlalchemy", "python3-sqlalchemy"},
      {"psycopg2", "python3-psycopg2"},
      {"psycopg2-binary", "python3-psycopg2"},
      {"pydantic", "python3-pydantic"},
      {"redis", "python3-redis"},
      {"pyyaml", "python3-yaml"},
      {"numpy", "python3-numpy"},
      {"starlette", "python3-starlette"},
  };
  return packages;
}

// Lowercase requirement names found in `text` (requirements.txt lines, or quoted PEP 508
// strings of pyproject.toml / Pipfile keys): a good-enough scan, used only to pick Debian
// packages and the server command.
std::vector<std::string> RequirementNames(const std::string& text, bool quoted_only) {
  std::vector<std::string> names;
  static const std::regex line_name("^\\s*([A-Za-z0-9][A-Za-z0-9._-]*)");
  static const std::regex quoted_name(
      "[\"']([A-Za-z0-9][A-Za-z0-9._-]*)\\s*(\\[[^\\]]*\\])?\\s*"
      "([<>=!~;]|[\"'])");
  static const std::regex pipfile_key("^\\s*([A-Za-z0-9][A-Za-z0-9._-]*)\\s*=");
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch match;
    std::string name;
    if (quoted_only) {
      if (std::regex_search(line, match, quoted_name))
        name = match[1];
      else if (std::regex_search(line, match, pipfile_key))
        name = match[1];
    } else if (!line.starts_with("-") && std::regex_search(line, match, line_name)) {
      name = match[1];
    }
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return c == '_' ? '-' : std::tolower(c); });
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

bool Has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

bool MatchesPython(const SourceTree& tree) {
  return tree.IsFile("requirements.txt") || tree.IsFile("pyproject.toml") ||
         tree.IsFile("Pipfile") || tree.IsFile("manage.py") ||
         !tree.FirstFile({"main.py", "app.py", "server.py", "wsgi.py"}).empty();
}

Result<BuildPlan> PlanPython(const SourceTree& tree) {
  BuildPlan plan = NewPlan("python");
  plan.packages = {"python3"};
  plan.env["PYTHONUNBUFFERED"] = "1";
  std::vector<std::string> requirements;
  bool venv = false;
  if (auto text = tree.Read("requirements.txt")) {
    AddManifestIfPresent(tree, plan, "requirements.txt");
    requirements = RequirementNames(*text, false);
    plan.install_command = "/opt/venv/bin/pip install -r requirements.txt";
    plan.decisions.push_back("install: pip install -r requirements.txt into /opt/venv");
    venv = true;
  } else if (auto pipfile = tree.Read("Pipfile")) {
    AddManifestIfPresent(tree, plan, "Pipfile");
    AddManifestIfPresent(tree, plan, "Pipfile.lock");
    requirements = RequirementNames(*pipfile, true);
    plan.packages.push_back("pipenv");
    plan.install_command =
        tree.IsFile("Pipfile.lock") ? "pipenv install --deploy" : "pipenv install --skip-lock";
    plan.decisions.push_back("install: pipenv into the active virtualenv /opt/venv");
    venv = true;
  } else if (auto pyproject = tree.Read("pyproject.toml")) {
    // `pip install .` needs the whole project, so it runs after the source is copied.
    plan.detected_files.push_back("pyproject.toml");
    requirements = RequirementNames(*pyproject, true);
    plan.install_command = "/opt/venv/bin/pip install .";
    plan.decisions.push_back("install: pip install . (pyproject.toml) after the source is copied");
    venv = true;
    std::smatch match;
    if (std::regex_search(*pyproject, match,
                          std::regex("requires-python\\s*=\\s*[\"']([^\"']*)[\"']"))) {
      auto minimum = MinimumOfRange(match[1]);
      if (minimum && Newer(*minimum, kDebianPython)) {
        plan.warnings.push_back("pyproject.toml requires-python is \"" + match[1].str() +
                                "\" but Debian bookworm has Python " + ToString(kDebianPython) +
                                "; pip will refuse to install the project");
      }
    }
  }
  if (auto pinned = tree.Read(".python-version")) {
    auto version = ParseVersion(*pinned);
    if (version && Newer(*version, kDebianPython)) {
      plan.warnings.push_back(".python-version asks for Python " + ToString(*version) +
                              " but Debian bookworm has " + ToString(kDebianPython));
    }
  }
  if (venv) {
    plan.packages.insert(plan.packages.end(), {"python3-venv", "python3-pip"});
    plan.setup_commands.push_back("python3 -m venv --system-site-packages /opt/venv");
    plan.env["VIRTUAL_ENV"] = "/opt/venv";
    plan.env["PATH"] = "/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    plan.caches.push_back({"/root/.cache/pip", "pip download cache"});
    std::string from_debian;
    for (const auto& name : requirements) {
      auto it = DebianPythonPackages().find(name);
      if (it == DebianPythonPackages().end() || Has(plan.packages, it->second)) continue;
      plan.packages.push_back(it->second);
      from_debian += (from_debian.empty() ? "" : ", ") + name + " (" + it->second + ")";
    }
    if (!from_debian.empty()) {
      plan.decisions.push_back("from Debian: " + from_debian +
                               "; pip keeps them when their version satisfies the requirement");
    }
  }

  // Start: Django, then an ASGI/WSGI server named in the requirements, then a main file.
  std::string entry = tree.FirstFile({"main.py", "app.py", "server.py", "wsgi.py", "asgi.py"});
  std::string module = entry.empty() ? "" : entry.substr(0, entry.size() - 3);
  std::string entry_text = entry.empty() ? "" : tree.Read(entry).value_or("");
  if (tree.IsFile("manage.py")) {
    plan.detected_files.push_back("manage.py");
    std::string project;
    for (const auto& name : tree.List()) {
      if (tree.IsFile(name + "/wsgi.py")) {
        project = name;
        break;
      }
    }
    if (!project.empty() && Has(requirements, "gunicorn")) {
      plan.start_command = "gunicorn --bind 0.0.0.0:$PORT " + project + ".wsgi";
      plan.decisions.push_back("start: Django with gunicorn (" + project + "/wsgi.py)");
    } else {
      plan.start_command = "python3 manage.py runserver 0.0.0.0:$PORT --noreload";
      plan.decisions.push_back(
          "start: Django's runserver (add gunicorn to the requirements "
          "for a production server)");
      plan.warnings.push_back(
          "Django's development server is used; add gunicorn to "
          "requirements.txt to serve with gunicorn");
    }
  } else if (!entry.empty() && Has(requirements, "uvicorn") &&
             entry_text.find("app") != std::string::npos) {
    plan.start_command = "uvicorn " + module + ":app --host 0.0.0.0 --port $PORT";
    plan.decisions.push_back("start: uvicorn serves " + module + ":app (uvicorn is a requirement)");
  } else if (!entry.empty() && Has(requirements, "gunicorn") &&
             entry_text.find("app") != std::string::npos) {
    plan.start_command = "gunicorn --bind 0.0.0.0:$PORT " + module + ":app";
    plan.decisions.push_back("start: gunicorn serves " + module +
                             ":app (gunicorn is a requirement)");
  } else if (!entry.empty()) {
    plan.start_command = "python3 " + entry;
    plan.decisions.push_back("start: python3 " + entry);
  }
  if (!entry.empty()) plan.detected_files.push_back(entry);
  if (plan.detected_files.empty() && plan.start_command.empty()) {
    return FailedPrecondition(
        "provider \"python\" needs requirements.txt, pyproject.toml, "
        "Pipfile, manage.py or a main.py/app.py");
  }
  return plan;
}

}  // namespace ink::build
