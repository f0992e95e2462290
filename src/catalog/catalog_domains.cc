// The catalog: Domains: add_domain, list_domains, verify_domain, remove_domain (issue 13).
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareDomainOperations(std::vector<Operation>& ops) {
  const Json domain_arg = StringField(
      "a domain name, e.g. api.example.com (an internationalized name is kept in punycode)", 253);
  const Json domain_out = ObjectSchema({{"domain", {{"type", "object"}}}});
  ops.push_back(
      {.name = "add_domain",
       .description =
           "Serve a service at another domain name too. A name one label under the platform "
           "zone (e.g. api.<platform domain>) is served at once. Any other name is a custom "
           "domain: the answer's domain.records say what to create at its DNS host (a CNAME to "
           "the service's hostname, or A/AAAA for an apex, and a TXT record holding an "
           "ownership token); it is served once verify_domain (or Ink's check every minute) "
           "finds both. A name is held by one service of one workspace; wildcards are refused.",
       .input_schema = ObjectSchema({{"project", NameField("project name")},
                                     {"service", NameField("service name")},
                                     {"name", domain_arg}},
                                    {"project", "service", "name"}),
       .output_schema = domain_out,
       .success_status = 201,
       .rest = {{"POST", "/v1/projects/{project}/domains"}},
       .cli = {.command = {"domains", "add"},
               .positionals = {"name"},
               .flags = {},
               .summary = "serve a service at a domain: ink domains add NAME --service S "
                          "--project P"}});
  ops.push_back(
      {.name = "list_domains",
       .description =
           "List a project's domains (or one service's): each one's service, kind (platform or "
           "custom), status (pending_dns, verified, failed) with the reason, URL, and for a "
           "custom domain the DNS records it needs.",
       .input_schema = ObjectSchema(
           {{"project", NameField("project name")},
            {"service", NameField("only this service's domains (default: every service's)")}},
           {"project"}),
       .output_schema = ObjectSchema({{"domains", {{"type", "array"}}}}),
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/projects/{project}/domains"}},
       .cli = {.command = {"domains", "list"},
               .positionals = {},
               .flags = {},
               .summary = "list a project's domains with their status and DNS records"}});
  ops.push_back(
      {.name = "verify_domain",
       .description =
           "Check a custom domain's DNS now: its TXT record _ink-challenge.<name> must hold the "
           "domain's token and the name must point at the service's hostname (CNAME, or A/AAAA "
           "records that are all its addresses). Verified, it is served; otherwise the message "
           "says what is missing. A lookup that fails (no answer) changes nothing.",
       .input_schema = ObjectSchema({{"name", domain_arg}}, {"name"}),
       .output_schema = domain_out,
       .idempotent = true,
       .open_world = true,  // asks DNS
       .rest = {{"POST", "/v1/domains/{name}/verify"}},
       .cli = {.command = {"domains", "verify"},
               .positionals = {"name"},
               .flags = {},
               .summary = "check a custom domain's DNS records now"}});
  ops.push_back(
      {.name = "remove_domain",
       .description = "Stop serving a service at a domain and forget it (its token too: adding it "
                      "again gives a new one). The service's default hostname stays.",
       .input_schema = ObjectSchema({{"name", domain_arg}}, {"name"}),
       .output_schema = ObjectSchema({{"removed", {{"type", "string"}}}}),
       .destructive = true,
       .rest = {{"DELETE", "/v1/domains/{name}"}},
       .cli = {.command = {"domains", "rm"},
               .positionals = {"name"},
               .flags = {},
               .summary = "stop serving a domain"}});
}

}  // namespace ink::catalog_internal
