// Resource commands: projects, services, deployments, registry credentials, volumes and their
// snapshots.
#include <iterator>

#include "output.h"
#include "session.h"

namespace ink::cli {
namespace {

// The array `key` of a list response, or an empty array.
Json ListOf(const Json& response, const char* key) {
  auto it = response.find(key);
  return it != response.end() && it->is_array() ? *it : Json::array();
}

// The object `key` of a response (e.g. {"project": {...}}), or the response itself.
Json ObjectOf(const Json& response, const char* key) {
  auto it = response.find(key);
  return it != response.end() && it->is_object() ? *it : response;
}

// Prints a table, or a hint on stderr when there are no rows (stdout stays empty).
void PrintTable(Session& s, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows, const std::string& empty_hint) {
  if (rows.empty()) {
    s.err() << empty_hint << "\n";
    return;
  }
  s.out() << FormatTable(headers, rows);
}

// "healthy/desired" when the server reports healthy replicas (like kubectl's READY), else desired.
std::string Replicas(const Json& service) {
  Json healthy = Member(service, "replicas_healthy");
  if (!healthy.is_number_integer()) return Field(service, "replicas");
  return std::to_string(healthy.get<int64_t>()) + "/" + Field(service, "replicas");
}

// CPU cores; 0 means no limit.
std::string Cpu(const Json& service) {
  Json cpu = Member(service, "cpu");
  if (cpu.is_number() && cpu.get<double>() == 0) return "unlimited";
  return Field(service, "cpu");
}

std::string Project(Session& s) { return *s.invocation().Get("--project"); }

std::string Positional(Session& s) { return s.invocation().positionals.at(0); }

}  // namespace

int RunProjectsCreate(Session& s) {
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
  } else {
    Json project = ObjectOf(*response, "project");
    s.out() << "Created project " << Field(project, "name") << " (" << Field(project, "id")
            << ").\n";
  }
  return kExitOk;
}

int RunProjectsList(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  std::vector<std::vector<std::string>> rows;
  for (const Json& p : ListOf(*response, "projects")) {
    rows.push_back(
        {Field(p, "name"), Field(p, "id"), FormatAge(Member(p, "created_at"), s.NowMillis())});
  }
  PrintTable(s, {"NAME", "ID", "CREATED"}, rows,
             "No projects yet. Create one with: ink projects create NAME");
  return kExitOk;
}

int RunProjectsDelete(Session& s) {
  if (!s.Connect()) return s.exit_code();
  std::string name = Positional(s);
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
  } else {
    s.out() << "Deleted project " << name
            << " (services deleted: " << Field(*response, "services_deleted") << ").\n";
  }
  return kExitOk;
}

int RunProjectsGet(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  Json project = ObjectOf(*response, "project");
  s.out() << FormatKeyValues({
      {"Name", Field(project, "name")},
      {"ID", Field(project, "id")},
      {"Created", FormatAge(Member(project, "created_at"), s.NowMillis())},
  });
  return kExitOk;
}

int RunTemplatesList(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  std::vector<std::vector<std::string>> rows;
  for (const Json& t : ListOf(*response, "templates")) {
    std::string publishes;
    for (const Json& service : ListOf(t, "services")) {
      for (const Json& name : ListOf(service, "publishes")) {
        publishes +=
            (publishes.empty() ? "" : " ") + (name.is_string() ? name.get<std::string>() : "");
      }
    }
    rows.push_back({Field(t, "name"), publishes, Truncate(Field(t, "description"), 70)});
  }
  PrintTable(s, {"NAME", "PUBLISHES", "DESCRIPTION"}, rows, "This inkd has no templates.");
  return kExitOk;
}

int RunServicesList(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  std::vector<std::vector<std::string>> rows;
  for (const Json& svc : ListOf(*response, "services")) {
    rows.push_back({Field(svc, "name"), Field(svc, "status"), Replicas(svc), Field(svc, "image"),
                    Field(svc, "url")});
  }
  PrintTable(s, {"NAME", "STATUS", "REPLICAS", "IMAGE", "URL"}, rows,
             "No services in project " + Project(s) + ". Deploy one with: ink deploy --project " +
                 Project(s) + " --service NAME --image IMAGE");
  return kExitOk;
}

int RunServicesGet(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  Json svc = ObjectOf(*response, "service");
  s.out() << FormatKeyValues({
      {"Name", Field(svc, "name")},
      {"Project", Field(svc, "project")},
      {"ID", Field(svc, "id")},
      {"Status", Field(svc, "status")},
      {"URL", Field(svc, "url")},
      {"Image", Field(svc, "image")},
      {"Port", Field(svc, "port")},
      {"Replicas", Field(svc, "replicas")},
      {"CPU", Cpu(svc)},
      {"Memory", FormatBytes(Member(svc, "memory"))},
      {"Runtime", Field(svc, "runtime_class")},
      {"Env", Field(svc, "env_names")},
      {"Active deployment", Field(svc, "active_deployment_id")},
      {"Created", FormatAge(Member(svc, "created_at"), s.NowMillis())},
      {"Updated", FormatAge(Member(svc, "updated_at"), s.NowMillis())},
  });
  std::vector<std::vector<std::string>> replicas;
  for (const Json& r : ListOf(svc, "replicas_observed")) {
    std::string state = Field(r, "state");
    if (Member(r, "oom_killed") == Json(true)) state += " (OOM killed)";
    replicas.push_back({Field(r, "name"), state, Field(r, "healthy"), Field(r, "restarts"),
                        Field(r, "oci_runtime"), Field(r, "address"), Field(r, "exit_code")});
  }
  s.out() << "\nReplicas:\n";
  if (replicas.empty()) {
    s.out() << "  (none running)\n";
  } else {
    s.out() << FormatTable(
        {"NAME", "STATE", "HEALTHY", "RESTARTS", "RUNTIME", "ADDRESS", "EXIT CODE"}, replicas);
  }
  std::vector<std::vector<std::string>> events;
  for (const Json& e : ListOf(svc, "events")) {
    events.push_back(
        {FormatAge(Member(e, "created_at"), s.NowMillis()), Field(e, "kind"), Field(e, "message")});
  }
  s.out() << "\nEvents:\n";
  if (events.empty()) {
    s.out() << "  (none)\n";
  } else {
    s.out() << FormatTable({"AGE", "KIND", "MESSAGE"}, events);
  }
  return kExitOk;
}

int RunServicesDelete(Session& s) {
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
  } else {
    s.out() << "Deleted service " << Positional(s) << " of project " << Project(s) << ".\n";
    for (const Json& name : ListOf(*response, "volumes_deleted")) {
      s.out() << "Deleted volume " << name.get<std::string>() << " and its data.\n";
    }
    for (const Json& v : ListOf(*response, "volumes_kept")) {
      s.err() << "ink: volume " << Field(v, "name") << " was not deleted: " << Field(v, "reason")
              << "\n";
    }
  }
  if (!ListOf(*response, "volumes_kept").empty()) return kExitFailed;
  return kExitOk;
}

int RunDeploymentsList(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  std::vector<std::vector<std::string>> rows;
  for (const Json& d : ListOf(*response, "deployments")) {
    // Full messages are in `ink deployments get ID`; one row stays one readable line.
    std::string message = Truncate(Field(d, "message"), 60);
    rows.push_back({Field(d, "id"), Field(d, "status"), Field(d, "image"),
                    FormatAge(Member(d, "created_at"), s.NowMillis()), message});
  }
  PrintTable(s, {"ID", "STATUS", "IMAGE", "CREATED", "MESSAGE"}, rows,
             "No deployments of service " + Positional(s) + " yet.");
  return kExitOk;
}

int RunDeploymentsGet(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  Json d = ObjectOf(*response, "deployment");
  s.out() << FormatKeyValues({
      {"ID", Field(d, "id")},
      {"Service ID", Field(d, "service_id")},
      {"Status", Field(d, "status")},
      {"Image", Field(d, "image")},
      {"Message", Field(d, "message")},
      {"Created", FormatAge(Member(d, "created_at"), s.NowMillis())},
      {"Updated", FormatAge(Member(d, "updated_at"), s.NowMillis())},
  });
  return kExitOk;
}

int RunRegistryLogin(Session& s) {
  std::string password(std::istreambuf_iterator<char>(s.env().in),
                       std::istreambuf_iterator<char>{});
  // Only the line ending a shell pipe adds is dropped; other whitespace may be meaningful.
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  if (password.empty()) {
    return s.UsageFail(
        "no password on standard input (pipe it in: printf %s \"$PASS\" | ink "
        "registry login ...)");
  }
  if (!s.Connect()) return s.exit_code();
  std::string registry = Positional(s);
  Json input = s.Input();
  input["password"] = password;
  auto response = s.CallOperation(input);
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
  } else {
    Json credential = ObjectOf(*response, "registry");
    s.out() << "Saved credentials for " << registry << " (user " << Field(credential, "username")
            << ").\n";
  }
  return kExitOk;
}

int RunRegistryList(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  std::vector<std::vector<std::string>> rows;
  for (const Json& r : ListOf(*response, "registries")) {
    rows.push_back({Field(r, "registry"), Field(r, "username"),
                    FormatAge(Member(r, "created_at"), s.NowMillis())});
  }
  PrintTable(s, {"REGISTRY", "USERNAME", "CREATED"}, rows,
             "No registry credentials. Add some with: ink registry login REGISTRY --username U "
             "--password-stdin");
  return kExitOk;
}

int RunRegistryLogout(Session& s) {
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
  } else {
    s.out() << "Deleted credentials for " << Positional(s) << ".\n";
  }
  return kExitOk;
}

int RunVolumesCreate(Session& s) {
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
  } else {
    Json v = ObjectOf(*response, "volume");
    s.out() << "Created volume " << Field(v, "name") << " (" << FormatBytes(Member(v, "size_bytes"))
            << "). Attach it: ink services update SERVICE --project " << Project(s)
            << " --volumes '[{\"volume\":\"" << Field(v, "name")
            << "\",\"mount_path\":\"/data\"}]'\n";
  }
  return kExitOk;
}

int RunVolumesList(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  std::vector<std::vector<std::string>> rows;
  for (const Json& v : ListOf(*response, "volumes")) {
    Json used = Member(v, "used_bytes");
    std::string used_text = "-";
    if (used.is_number_integer()) {
      used_text = std::to_string((used.get<int64_t>() + (1 << 20) - 1) >> 20) + "Mi";
    }
    Json service = Member(v, "service");
    rows.push_back({Field(v, "name"), FormatBytes(Member(v, "size_bytes")), used_text,
                    service.is_string() ? service.get<std::string>() : "-",
                    service.is_string() ? Field(v, "mount_path") : "-",
                    FormatAge(Member(v, "created_at"), s.NowMillis())});
  }
  PrintTable(s, {"NAME", "SIZE", "USED", "SERVICE", "MOUNT PATH", "CREATED"}, rows,
             "No volumes yet. Create one with: ink volumes create NAME --size 1Gi --project " +
                 Project(s));
  return kExitOk;
}

int RunVolumesDelete(Session& s) {
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
  } else {
    s.out() << "Deleted volume " << Positional(s) << " and its data.\n";
  }
  return kExitOk;
}

int RunVolumesUpdate(Session& s) {
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
  } else {
    Json v = ObjectOf(*response, "volume");
    std::string schedule = Field(v, "snapshot_schedule");
    s.out() << "Volume " << Field(v, "name") << ": keeps " << Field(v, "snapshot_retention")
            << " snapshots, "
            << (schedule.empty() ? "no daily snapshot" : "a daily snapshot at " + schedule + " UTC")
            << ".\n";
  }
  return kExitOk;
}

namespace {

std::string SnapshotStatus(const Json& snapshot) {
  std::string status = Field(snapshot, "status");
  Json error = Member(snapshot, "error");
  if (error.is_string()) status += ": " + error.get<std::string>();
  return status;
}

}  // namespace

int RunSnapshotCreate(Session& s) {
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
    return kExitOk;
  }
  Json snap = ObjectOf(*response, "snapshot");
  s.out() << "Snapshot " << Field(snap, "id") << " of volume " << Field(snap, "volume") << " ("
          << FormatBytes(Member(snap, "size_bytes")) << ") is " << Field(snap, "status")
          << ". Restore it into a new volume: ink volumes restore " << Field(snap, "id")
          << " NEW_NAME --project " << Project(s) << "\n";
  for (const Json& id : ListOf(*response, "pruned")) {
    s.out() << "Deleted the oldest snapshot beyond the volume's retention: "
            << (id.is_string() ? id.get<std::string>() : id.dump()) << "\n";
  }
  return kExitOk;
}

int RunSnapshotsList(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  std::vector<std::vector<std::string>> rows;
  for (const Json& snap : ListOf(*response, "snapshots")) {
    rows.push_back({Field(snap, "id"), Field(snap, "volume"),
                    FormatAge(Member(snap, "created_at"), s.NowMillis()),
                    FormatBytes(Member(snap, "size_bytes")), SnapshotStatus(snap),
                    Field(snap, "label")});
  }
  PrintTable(
      s, {"ID", "VOLUME", "CREATED", "SIZE", "STATUS", "LABEL"}, rows,
      "No snapshots yet. Take one with: ink volumes snapshot VOLUME --project " + Project(s));
  return kExitOk;
}

int RunEventsList(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  std::vector<std::vector<std::string>> rows;
  for (const Json& e : ListOf(*response, "events")) {
    rows.push_back({FormatAge(Member(e, "created_at"), s.NowMillis()), Field(e, "service"),
                    Field(e, "kind"), Field(e, "message")});
  }
  PrintTable(s, {"WHEN", "SERVICE", "KIND", "MESSAGE"}, rows,
             "No events yet in project " + Project(s) + ".");
  if (Member(*response, "truncated") == Json(true)) {
    // Without a cursor the answer is the newest events; after one, the oldest that follow it.
    if (s.Input().contains("cursor")) {
      s.out() << "More events follow: run the same command with --cursor "
              << Field(*response, "next_cursor") << "\n";
    } else {
      s.out() << "Older events were left out: narrow with --since or --kind, or raise --limit "
                 "(up to 1000).\n";
    }
  }
  return kExitOk;
}

int RunSnapshotRestore(Session& s) {
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  Json service = Member(*response, "service");
  Json volume = ObjectOf(*response, "volume");
  if (!s.json()) {
    s.out() << "Restored snapshot " << Positional(s) << " into new volume " << Field(volume, "name")
            << " (" << FormatBytes(Member(volume, "size_bytes")) << ").\n";
    if (service.is_object()) {
      std::string old = Field(*response, "detached");
      s.out() << "Volume " << old << " is kept, detached; delete it once you no longer need it: "
              << "ink volumes delete " << old << " --project " << Project(s) << "\n";
    }
  }
  if (!service.is_object()) {
    if (s.json()) s.PrintJson(*response);
    return kExitOk;
  }
  // The service rolls onto the new volume: reported (and followed with --wait) like a deploy;
  // --json prints update_service's answer (deployment, service, url) with the restore's
  // volume, snapshot and detached beside it.
  Json rollout = service;
  for (const char* key : {"volume", "snapshot", "detached"}) {
    if (response->contains(key)) rollout[key] = (*response)[key];
  }
  std::string name = Field(ObjectOf(service, "service"), "name");
  return ReportDeployment(s, rollout, name, Project(s));
}

int RunSnapshotDelete(Session& s) {
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
  } else {
    s.out() << "Deleted snapshot " << Positional(s) << ".\n";
  }
  return kExitOk;
}

// create, timeout, rm: the sandbox's id (what scripts need) or the JSON answer.
int RunSandboxChange(Session& s) {
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
  } else if (response->contains("sandbox")) {
    Json sandbox = ObjectOf(*response, "sandbox");
    s.out() << Field(sandbox, "id") << "\n";
  } else {
    s.out() << "Deleted sandbox " << Positional(s) << ".\n";
  }
  return kExitOk;
}

int RunSandboxList(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  std::vector<std::vector<std::string>> rows;
  for (const Json& v : ListOf(*response, "sandboxes")) {
    rows.push_back({Field(v, "id"), Field(v, "image"), Field(v, "cpu"),
                    FormatBytes(Member(v, "memory_bytes")), Field(v, "network"), Field(v, "status"),
                    FormatAge(Member(v, "created_at"), s.NowMillis())});
  }
  PrintTable(s, {"ID", "IMAGE", "CPU", "MEMORY", "NETWORK", "STATUS", "CREATED"}, rows,
             "No sandboxes. Create one with: ink sandbox create");
  return kExitOk;
}

int RunSandboxFiles(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  std::vector<std::vector<std::string>> rows;
  for (const Json& v : ListOf(*response, "entries")) {
    rows.push_back({Field(v, "mode"), Field(v, "type"), Field(v, "size"),
                    FormatAge(Member(v, "modified_at"), s.NowMillis()), Field(v, "path")});
  }
  PrintTable(s, {"MODE", "TYPE", "SIZE", "MODIFIED", "PATH"}, rows, "The directory is empty.");
  if (Member(*response, "truncated") == true) {
    s.err() << "ink: more entries than one answer holds; list a subdirectory\n";
  }
  return kExitOk;
}

}  // namespace ink::cli
