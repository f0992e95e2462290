// Push-to-deploy commands: git-remote (the remote to push to) and webhook (URL + secret).
#include "output.h"
#include "session.h"

namespace ink::cli {

int RunGitRemote(Session& s) {
  const Invocation& inv = s.invocation();
  if (!s.Connect()) return s.exit_code();
  std::string project = *inv.Get("--project");
  std::string service = inv.positionals.at(0);
  auto response = s.Call("GET", ServicePath(project, service) + "/git-remote");
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
    return kExitOk;
  }
  s.out() << Field(*response, "url") << "\n";
  s.err() << "Push to deploy (user name: ink, password: your API token):\n  git remote add ink "
          << Field(*response, "url") << "\n  git push ink main\n";
  return kExitOk;
}

int RunWebhook(Session& s) {
  const Invocation& inv = s.invocation();
  if (!s.Connect()) return s.exit_code();
  std::string project = *inv.Get("--project");
  std::string service = inv.positionals.at(0);
  auto response = s.Call("GET", ServicePath(project, service) + "/webhook");
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
    return kExitOk;
  }
  s.out() << "Payload URL:   " << Field(*response, "url") << "\n"
          << "Content type:  application/json\n"
          << "Secret:        " << Field(*response, "secret") << "\n"
          << "Events:        push (a push to the branch the service tracks redeploys it)\n";
  return kExitOk;
}

}  // namespace ink::cli
