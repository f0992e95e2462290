// Operation tests: add_domain, list_domains, verify_domain, remove_domain and the periodic check,
// through the real operation table over a real (in-memory) store, with DNS answers from a fake
// resolver (the libresolv one is tested against a real pdns_server in test/e2e/test_domains.py).
#include <map>

#include "ink/dns/resolver.h"
#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

class FakeResolver : public dns::Resolver {
 public:
  Result<std::vector<std::string>> Lookup(const std::string& name,
                                          const std::string& type) override {
    std::lock_guard lock(mu);
    ++lookups;
    if (down) return Unavailable("the DNS server 127.0.0.1:1 did not answer");
    auto it = records.find({name, type});
    return it == records.end() ? std::vector<std::string>{} : it->second;
  }
  std::string Describe() const override { return "a fake"; }

  std::mutex mu;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> records;
  bool down = false;
  int lookups = 0;
};

class DomainOperationsTest : public api_test::OperationsTest {
 protected:
  void SetUp() override {
    OperationsTest::SetUp();
    deps_->resolver = &resolver_;
    DeployWeb();
  }
  Result<Json> Invoke(const std::string& op, const Json& input) {
    return table_.Invoke(*table_.Find(op), caller_, input);
  }
  std::vector<std::string> EventKinds() {
    std::vector<std::string> kinds;
    auto events = store_->ListEvents(caller_.workspace_id, ServiceId(), 50);
    if (!events.ok()) return kinds;
    for (const auto& e : *events) kinds.push_back(e.kind);
    return kinds;
  }
  FakeResolver resolver_;
};

TEST_F(DomainOperationsTest, APlatformSubdomainIsServedAtOnce) {
  Json out = MustCall("add_domain", {{"service", "web"}, {"name", "API.localhost"}});
  EXPECT_EQ(out["domain"]["name"], "api.localhost");
  EXPECT_EQ(out["domain"]["kind"], "platform");
  EXPECT_EQ(out["domain"]["status"], "verified");
  EXPECT_EQ(out["domain"]["url"], "http://api.localhost:8080");
  EXPECT_FALSE(out["domain"].contains("records"));
  auto verified = store_->ListVerifiedDomains();
  ASSERT_EQ(verified->size(), 1u);
  EXPECT_EQ(resolver_.lookups, 0);
}

TEST_F(DomainOperationsTest, ACustomDomainIsPendingUntilDnsHoldsTheTokenAndTheCname) {
  Json out = MustCall("add_domain", {{"service", "web"}, {"name", "www.example.org"}});
  const Json d = out["domain"];
  EXPECT_EQ(d["status"], "pending_dns");
  EXPECT_EQ(d["target"], "web-demo.localhost");
  const std::string token = d["records"][1]["value"];
  EXPECT_EQ(token.rfind("ink-verify=", 0), 0u);
  EXPECT_TRUE(store_->ListVerifiedDomains()->empty());

  Json first = *Invoke("verify_domain", {{"name", "www.example.org"}});
  EXPECT_EQ(first["domain"]["status"], "pending_dns");
  EXPECT_FALSE(first["ownership"]);
  EXPECT_NE(first["message"].get<std::string>().find("_ink-challenge.www.example.org"),
            std::string::npos);

  {
    std::lock_guard lock(resolver_.mu);
    resolver_.records[{"_ink-challenge.www.example.org", "TXT"}] = {token};
    resolver_.records[{"www.example.org", "CNAME"}] = {"web-demo.localhost"};
  }
  Json second = *Invoke("verify_domain", {{"name", "WWW.example.org"}});
  EXPECT_EQ(second["domain"]["status"], "verified") << second.dump();
  EXPECT_TRUE(second["points_at_ink"]);
  EXPECT_EQ(store_->ListVerifiedDomains()->size(), 1u);
  auto kinds = EventKinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "domain_verified"), kinds.end());

  Json listed = MustCall("list_domains", {});
  ASSERT_EQ(listed["domains"].size(), 1u);
  EXPECT_EQ(listed["domains"][0]["service"], "web");
  EXPECT_EQ(listed["domains"][0]["status"], "verified");
}

TEST_F(DomainOperationsTest, AnAddressRecordOfTheTargetVerifiesAndAFailedLookupChangesNothing) {
  Json out = MustCall("add_domain", {{"service", "web"}, {"name", "example.org"}});
  const std::string token = out["domain"]["records"][1]["value"];
  EXPECT_EQ(out["domain"]["records"][0]["type"], "A/AAAA");
  {
    std::lock_guard lock(resolver_.mu);
    resolver_.records[{"_ink-challenge.example.org", "TXT"}] = {token};
    resolver_.records[{"example.org", "A"}] = {"127.0.0.1"};
    resolver_.down = true;
  }
  Json down = *Invoke("verify_domain", {{"name", "example.org"}});
  EXPECT_EQ(down["domain"]["status"], "pending_dns");
  EXPECT_NE(down["message"].get<std::string>().find("nothing changed"), std::string::npos);
  EXPECT_EQ(store_->GetDomain(caller_.workspace_id, "example.org")->reason.find("could not"),
            std::string::npos);
  {
    std::lock_guard lock(resolver_.mu);
    resolver_.down = false;
  }
  // The periodic check finds it (inkd runs it every --domain-check-interval).
  EXPECT_EQ(VerifyPendingDomains(*deps_), 1);
  EXPECT_EQ(store_->GetDomain(caller_.workspace_id, "example.org")->status, "verified");
  EXPECT_EQ(VerifyPendingDomains(*deps_), 0);  // verified ones are not checked again
}

TEST_F(DomainOperationsTest, BadInputIsRefusedAndChangesNothing) {
  struct Case {
    Json input;
    ErrorCode code;
    std::string part;
  };
  for (const Case& c : std::vector<Case>{
           {{{"service", "web"}, {"name", "*.example.org"}}, ErrorCode::kInvalidArgument, "DNS-01"},
           {{{"service", "web"}, {"name", "a..example.org"}}, ErrorCode::kInvalidArgument, "empty"},
           {{{"service", "web"}, {"name", "web-demo.localhost"}},
            ErrorCode::kInvalidArgument,
            "default hostname"},
           {{{"service", "nope"}, {"name", "x.example.org"}}, ErrorCode::kNotFound, "nope"},
           {{{"service", "web"}, {"name", "a.b.localhost"}}, ErrorCode::kInvalidArgument,
            "one label"},
       }) {
    auto r = Call("add_domain", c.input);
    ASSERT_FALSE(r.ok()) << c.input.dump();
    EXPECT_EQ(r.error().code, c.code) << r.error().message;
    EXPECT_NE(r.error().message.find(c.part), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(store_->ListDomains(caller_.workspace_id, ProjectId(), "")->empty());
  // A name another workspace holds is refused without saying whose.
  MustCall("add_domain", {{"service", "web"}, {"name", "shop.example.org"}});
  auto other = store_->CreateWorkspace("other");
  Caller them;
  them.workspace_id = other->id;
  auto project = store_->CreateProject(other->id, "shop");
  ASSERT_TRUE(table_.Invoke(*table_.Find("deploy"), them,
                            {{"project", "shop"}, {"service", "front"},
                             {"image", "localhost/ink/echo:test"}})
                  .ok());
  auto taken = table_.Invoke(*table_.Find("add_domain"), them,
                             {{"project", "shop"}, {"service", "front"},
                              {"name", "shop.example.org"}});
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(taken.error().message.find("demo"), std::string::npos);
  // Nor can they verify or remove ours.
  EXPECT_EQ(table_.Invoke(*table_.Find("remove_domain"), them, {{"name", "shop.example.org"}})
                .error()
                .code,
            ErrorCode::kNotFound);
  EXPECT_EQ(table_.Invoke(*table_.Find("verify_domain"), them, {{"name", "shop.example.org"}})
                .error()
                .code,
            ErrorCode::kNotFound);
}

TEST_F(DomainOperationsTest, RemoveStopsServingAndForgetsTheToken) {
  MustCall("add_domain", {{"service", "web"}, {"name", "api.localhost"}});
  Json removed = *Invoke("remove_domain", {{"name", "api.localhost"}});
  EXPECT_EQ(removed["removed"], "api.localhost");
  EXPECT_TRUE(store_->ListVerifiedDomains()->empty());
  auto again = Invoke("remove_domain", {{"name", "api.localhost"}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  auto kinds = EventKinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "domain_removed"), kinds.end());
}

}  // namespace
}  // namespace ink
