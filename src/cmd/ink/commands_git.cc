// Git source commands: git-remote (the remote to push to), webhook (URL + secret) and
// deploy-key (the ssh key private repositories are fetched with).
#include "output.h"
#include "session.h"

namespace ink::cli {

int RunGitRemote(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  s.out() << Field(*response, "url") << "\n";
  s.err() << "Push to deploy (user name: ink, password: your API token):\n  git remote add ink "
          << Field(*response, "url") << "\n  git push ink main\n";
  return kExitOk;
}

int RunWebhook(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  s.out() << "Payload URL:   " << Field(*response, "url") << "\n"
          << "Content type:  application/json\n"
          << "Secret:        " << Field(*response, "secret") << "\n"
          << "Events:        push (a push to the branch the service tracks redeploys it)\n";
  return kExitOk;
}

int RunDeployKey(Session& s) {
  const Invocation& inv = s.invocation();
  if (!s.Connect()) return s.exit_code();
  CommandId id = inv.command->id;
  std::optional<Json> response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
    return kExitOk;
  }
  if (id == CommandId::kDeployKeyDelete) {
    s.out() << "Deleted the deploy key; ssh sources are now fetched without a key.\n";
    return kExitOk;
  }
  const Json& key = (*response)["deploy_key"];
  s.out() << Field(key, "public_key") << "\n";
  s.err() << "Fingerprint: " << Field(key, "fingerprint") << "\n"
          << "Add the line above to the repository as a read-only deploy key, then deploy its "
             "ssh URL (git@host:org/repo.git).\n";
  return kExitOk;
}

}  // namespace ink::cli
