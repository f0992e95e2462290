// The catalog: Logs: get_logs, list_events (the project's journal).
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareLogOperations(std::vector<Operation>& ops) {
  ops.push_back(
      {.name = "get_logs",
       .description =
           "Read a service's logs: by default the app's runtime output (stdout and stderr of "
           "every replica, merged by time, newest `tail` lines); with build=true the build log "
           "of its newest deployment built from source (or of `deployment`). With just "
           "`deployment` (project and service optional), that deployment's logs in two "
           "labelled parts: build_log (if built from source) and runtime_log (its replicas' "
           "output), e.g. after deploy failed or to see what a release printed. Narrow with "
           "filter (substring), regex (RE2), since and until (\"10m\", RFC 3339). Lines over "
           "the per-replica rate (500/s) are dropped and counted (dropped, and an [ink] line). "
           "Output is bounded (~64 KB, "
           "truncated=true when cut); pass next_cursor back as cursor to get only newer lines. "
           "Use after a failed deploy (build=true) or when the app misbehaves.",
       .input_schema = ObjectSchema(
           {{"project", NameField("project name")},
            {"service", NameField("service name")},
            {"build", {{"type", "boolean"}, {"description", "read the build log instead"}}},
            {"deployment",
             StringField("a deployment (dep_...): its build log and replicas' output (with "
                         "build: only its build log); project and service may be left out",
                         64)},
            {"tail",
             {{"type", "integer"},
              {"minimum", 1},
              {"maximum", 10000},
              {"description",
               "newest lines to return (default 100); after a cursor, at most "
               "this many of the lines that follow it"}}},
            {"since",
             StringField("runtime logs newer than this: a duration back (\"30s\", \"10m\", "
                         "\"2h\", \"1d\") or an RFC 3339 time",
                         64)},
            {"until",
             StringField("runtime logs up to this time: a duration back or an RFC 3339 time", 64)},
            {"filter", StringField("only lines containing this text (case-sensitive)", 256)},
            {"regex", StringField("only lines matching this RE2 regular expression (e.g. "
                                  "\"error|timeout\"); with filter, lines must match both",
                                  256)},
            {"cursor",
             StringField("next_cursor of an earlier get_logs call: only newer lines", 64)},
            {"follow",
             {{"type", "boolean"}, {"description", "stream new lines (REST text/plain stream)"}}}}),
       .output_schema = ObjectSchema({{"lines", {{"type", "array"}}},
                                      {"truncated", {{"type", "boolean"}}},
                                      {"next_cursor", {{"type", "string"}}},
                                      {"build_log", {{"type", "object"}}},
                                      {"runtime_log", {{"type", "object"}}}}),
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/projects/{project}/services/{service}/logs"},
                {"GET", "/v1/deployments/{deployment}/logs"}},
       .cli = {.command = {"logs"},
               .positionals = {"service"},
               .flags = {},
               .summary = "print a service's logs as `[replica] text`, or a build log"}});
  ops.push_back(
      {.name = "list_events",
       .description =
           "Read a project's journal, oldest first: deploys (deploy_started, redeploy, built, "
           "deployed, deploy_failed), crashes with their exit code (crashed), OOM kills "
           "(oom_killed), restarts with their backoff (restarted, restart_failed), replicas or "
           "resources changed (scale), env changes (env_changed), volumes (volume_attached, "
           "volume_detached, snapshot_taken), health checks (unhealthy, recovered). Narrow with "
           "service, kind (comma-separated, e.g. \"crashed,oom_killed\") "
           "and since (\"1h\", RFC 3339); pass next_cursor back as cursor for only newer "
           "events. Use to see why a service restarted or failed.",
       .input_schema = ObjectSchema(
           {{"project", NameField("project name")},
            {"service", NameField("only this service's events")},
            {"kind",
             StringField("only these kinds, comma-separated (e.g. \"crashed,oom_killed\")", 256)},
            {"since", StringField("events newer than this: a duration back (\"30s\", \"10m\", "
                                  "\"2h\", \"1d\") or an RFC 3339 time",
                                  64)},
            {"cursor",
             StringField("next_cursor of an earlier list_events call: only newer events", 64)},
            {"limit",
             {{"type", "integer"},
              {"minimum", 1},
              {"maximum", 1000},
              {"description",
               "newest events to return (default 100); after a cursor, at most "
               "this many of the events that follow it"}}}},
           {"project"}),
       .output_schema = ObjectSchema({{"events", {{"type", "array"}}},
                                      {"truncated", {{"type", "boolean"}}},
                                      {"next_cursor", {{"type", "string"}}}}),
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/projects/{project}/events"}},
       .cli = {.command = {"events"},
               .positionals = {"service"},
               .flags = {},
               .summary = "print a project's journal (deploys, crashes, OOM kills, restarts)"}});
}

}  // namespace ink::catalog_internal
