// Ruby, PHP and static-site providers.
//
// Static files are served by busybox's httpd: Debian's busybox is an 0.8 MB package that is
// already built with httpd, serves index.html, sets Content-Type by extension, answers HEAD and
// If-Modified-Since, and runs unprivileged in the foreground (-f) — enough for a static site
// without shipping and maintaining a server of our own.
#include <map>
#include <regex>

#include "detect_internal.h"
#include "toolchain.h"

namespace ink::build {

void ServeStaticOutput(BuildPlan& plan, const std::string& directory) {
  plan.runtime_image = kBaseImage;
  plan.runtime_packages = {"busybox"};
  plan.artifacts = {{directory, "/srv/www"}};
  plan.workdir = "/srv/www";
  plan.start_command = "busybox httpd -f -v -p 0.0.0.0:$PORT -h /srv/www";
  plan.decisions.push_back("serve: busybox httpd (Debian's busybox, 0.8 MB) serves " + directory +
                           " from a runtime stage without the build toolchain");
}

bool MatchesStatic(const SourceTree& tree) {
  return tree.IsFile("index.html") || tree.IsFile("public/index.html") ||
         tree.IsFile("dist/index.html");
}

Result<BuildPlan> PlanStatic(const SourceTree& tree) {
  std::string index = tree.FirstFile({"index.html", "public/index.html", "dist/index.html"});
  if (index.empty()) {
    return FailedPrecondition(
        "provider \"static\" needs an index.html (at the root, in public/ "
        "or dist/)");
  }
  BuildPlan plan = NewPlan("static");
  plan.detected_files.push_back(index);
  size_t slash = index.find('/');
  ServeStaticOutput(plan, slash == std::string::npos ? "/app" : "/app/" + index.substr(0, slash));
  return plan;
}

namespace {

const std::map<std::string, std::string>& DebianGems() {
  static const std::map<std::string, std::string> gems = {
      {"rack", "ruby-rack"},   {"sinatra", "ruby-sinatra"}, {"puma", "puma"},
      {"rails", "ruby-rails"}, {"webrick", "ruby-webrick"}, {"json", "ruby-json"},
      {"pg", "ruby-pg"},       {"redis", "ruby-redis"},     {"nokogiri", "ruby-nokogiri"},
  };
  return gems;
}

}  // namespace

bool MatchesRuby(const SourceTree& tree) {
  return tree.IsFile("Gemfile") || tree.IsFile("config.ru") ||
         !tree.FirstFile({"app.rb", "main.rb", "server.rb"}).empty();
}

Result<BuildPlan> PlanRuby(const SourceTree& tree) {
  BuildPlan plan = NewPlan("ruby");
  plan.packages = {"ruby"};
  auto gemfile = tree.Read("Gemfile");
  std::string exec;
  if (gemfile) {
    AddManifestIfPresent(tree, plan, "Gemfile");
    AddManifestIfPresent(tree, plan, "Gemfile.lock");
    plan.packages.push_back("bundler");
    plan.install_command = "bundle install";
    plan.env["BUNDLE_WITHOUT"] = "development:test";
    exec = "bundle exec ";
    plan.caches.push_back({"/root/.bundle/cache", "bundler download cache"});
    std::string from_debian;
    static const std::regex gem_line("(^|\\n)\\s*gem\\s+[\"']([A-Za-z0-9_-]+)[\"']");
    std::sregex_iterator it(gemfile->begin(), gemfile->end(), gem_line);
    for (; it != std::sregex_iterator(); ++it) {
      auto gem = DebianGems().find((*it)[2]);
      if (gem == DebianGems().end()) continue;
      plan.packages.push_back(gem->second);
      from_debian += (from_debian.empty() ? "" : ", ") + gem->first + " (" + gem->second + ")";
    }
    if (!from_debian.empty()) {
      plan.decisions.push_back("from Debian: " + from_debian +
                               "; bundler uses them when their version fits Gemfile.lock");
    }
    std::smatch match;
    std::string wanted;
    if (std::regex_search(*gemfile, match, std::regex("(^|\\n)\\s*ruby\\s+[\"']([^\"']+)[\"']")))
      wanted = match[2];
    else if (auto pinned = tree.Read(".ruby-version"))
      wanted = *pinned;
    auto version = MinimumOfRange(wanted);
    if (version && Newer(*version, kDebianRuby)) {
      return FailedPrecondition("the app asks for Ruby " + wanted +
                                " but Debian bookworm has Ruby " + ToString(kDebianRuby) +
                                " (bundler refuses); relax the ruby "
                                "line in the Gemfile or build with a Dockerfile");
    }
    if (gemfile->find("gem ") != std::string::npos &&
        std::regex_search(*gemfile,
                          std::regex("gem\\s+[\"'](pg|mysql2|nokogiri|sqlite3|bcrypt)"))) {
      plan.packages.insert(plan.packages.end(), {"ruby-dev", "make", "gcc", "libc6-dev"});
      plan.decisions.push_back("native gems in the Gemfile: compilers added to the build");
    }
  }
  if (tree.IsFile("config/application.rb") && tree.IsFile("config.ru")) {
    plan.detected_files.push_back("config/application.rb");
    plan.start_command = exec + "rails server -b 0.0.0.0 -p $PORT";
    plan.env["RAILS_ENV"] = "production";
    plan.decisions.push_back("start: Rails (config/application.rb)");
  } else if (tree.IsFile("config.ru")) {
    plan.detected_files.push_back("config.ru");
    if (gemfile && gemfile->find("puma") != std::string::npos) {
      plan.start_command = exec + "puma -b tcp://0.0.0.0:$PORT config.ru";
      plan.decisions.push_back("start: puma serves config.ru (puma is in the Gemfile)");
    } else {
      plan.start_command = exec + "rackup -o 0.0.0.0 -p $PORT config.ru";
      if (!gemfile) plan.packages.push_back("ruby-rack");
      plan.decisions.push_back("start: rackup serves config.ru");
    }
  } else {
    std::string entry = tree.FirstFile({"app.rb", "main.rb", "server.rb"});
    if (entry.empty()) {
      return FailedPrecondition(
          "provider \"ruby\" found no config.ru, Rails app or "
          "app.rb/main.rb/server.rb to start; set start_command");
    }
    plan.detected_files.push_back(entry);
    plan.start_command = exec + "ruby " + entry;
    plan.decisions.push_back("start: ruby " + entry);
  }
  return plan;
}

bool MatchesPhp(const SourceTree& tree) {
  return tree.IsFile("composer.json") || tree.IsFile("index.php") ||
         tree.IsFile("public/index.php");
}

Result<BuildPlan> PlanPhp(const SourceTree& tree) {
  BuildPlan plan = NewPlan("php");
  plan.packages = {"php-cli"};
  if (auto composer = tree.Read("composer.json")) {
    auto json = ParseJson(*composer);
    if (!json.ok()) return InvalidArgument("composer.json: " + json.error().message);
    AddManifestIfPresent(tree, plan, "composer.json");
    AddManifestIfPresent(tree, plan, "composer.lock");
    plan.packages.insert(plan.packages.end(), {"composer", "unzip", "git"});
    plan.install_command =
        "composer install --no-dev --no-interaction --prefer-dist --no-scripts --no-autoloader";
    plan.build_command = "composer dump-autoload --no-dev --optimize";
    plan.caches.push_back({"/root/.cache/composer", "composer download cache"});
    static const std::map<std::string, std::string> extensions = {
        {"ext-mbstring", "php-mbstring"}, {"ext-xml", "php-xml"},
        {"ext-dom", "php-xml"},           {"ext-curl", "php-curl"},
        {"ext-intl", "php-intl"},         {"ext-gd", "php-gd"},
        {"ext-zip", "php-zip"},           {"ext-pdo_mysql", "php-mysql"},
        {"ext-pdo_pgsql", "php-pgsql"},   {"ext-pdo_sqlite", "php-sqlite3"},
        {"ext-bcmath", "php-bcmath"},     {"ext-redis", "php-redis"}};
    if (json->is_object() && json->contains("require") && (*json)["require"].is_object()) {
      for (const auto& [name, constraint] : (*json)["require"].items()) {
        auto ext = extensions.find(name);
        if (ext != extensions.end()) plan.packages.push_back(ext->second);
        if (name == "php" && constraint.is_string()) {
          auto minimum = MinimumOfRange(constraint.get<std::string>());
          if (minimum && Newer(*minimum, kDebianPhp)) {
            plan.warnings.push_back("composer.json requires php " + constraint.get<std::string>() +
                                    " but Debian bookworm has PHP " + ToString(kDebianPhp) +
                                    "; composer install will refuse");
          }
        }
      }
    }
    plan.decisions.push_back("install: composer install (composer.json), Debian's composer 2.5");
  }
  std::string docroot =
      tree.IsFile("public/index.php") || tree.IsDirectory("public") ? "public" : ".";
  if (docroot == "." && !tree.IsFile("index.php") && plan.manifest_files.empty()) {
    return FailedPrecondition("provider \"php\" needs composer.json or index.php");
  }
  std::string index = tree.FirstFile({"public/index.php", "index.php"});
  if (!index.empty()) plan.detected_files.push_back(index);
  plan.env["PHP_CLI_SERVER_WORKERS"] = "4";
  plan.start_command = "php -S 0.0.0.0:$PORT -t " + docroot;
  plan.decisions.push_back(
      "start: PHP's built-in server with 4 workers (PHP_CLI_SERVER_WORKERS) "
      "on " +
      docroot + "/ — no Apache/FPM to configure");
  return plan;
}

}  // namespace ink::build
