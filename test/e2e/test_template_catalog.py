"""Every template in the catalog (templates/) deploys and passes its health check, with real
podman, builds from Debian packages (and npm for node-red) and gVisor: all of them side by side,
so their builds and start-ups overlap instead of adding up. A template of several services
(wordpress, mediawiki) has every one of its services running and healthy. Its own file, so the
cold builds of the whole catalog have their own time budget."""

import concurrent.futures

import harness
from test_templates import TemplateCase


class TemplateCatalog(TemplateCase):
    def test_every_template_deploys_and_is_healthy(self):
        """Every template of the catalog, deployed side by side (one CLI call each, at once):
        their builds and start-ups overlap instead of adding up."""
        catalog = self.ink("templates", "list").json["templates"]
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            outs = dict(zip((t["name"] for t in catalog), pool.map(
                lambda t: self.deploy_template(t["name"], "--service", f"all-{t['name']}"[:30]),
                catalog)))
        for name, out in outs.items():
            self.assertEqual(out["deployment"]["status"], "active", out)
            for service in out.get("services") or [{"service": out["service"]["name"]}]:
                status, healthy = self.healthy(service["service"])
                self.assertEqual(status, "running", (name, service, status))
                self.assertGreaterEqual(int(healthy or 0), 1, (name, service, healthy))
        # The databases answer their own published credentials over the private network.
        if "mariadb" in outs:
            res = self.app_exec("sh", "-c", 'mariadb -u"$MYSQL_USER" -h"$MYSQL_HOST" '
                                '"$MYSQL_DATABASE" -Nse "select 40 + 2"', service="all-mariadb")
            self.assertEqual((res.rc, res.stdout.strip()), (0, "42"), res)


if __name__ == "__main__":
    harness.main()
