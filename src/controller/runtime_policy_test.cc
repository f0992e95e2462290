#include "ink/controller/runtime_policy.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

ServiceSpec Spec(std::string runtime_class = "gvisor", int64_t memory = 0, double cpu = 0) {
  ServiceSpec spec;
  spec.runtime_class = std::move(runtime_class);
  spec.memory_bytes = memory;
  spec.cpu = cpu;
  return spec;
}

TEST(RuntimePolicy, DefaultsApplyWhenTheSpecNamesNoLimits) {
  RuntimePolicy policy;
  ContainerSpec container;
  ASSERT_TRUE(ApplyRuntimePolicy(policy, Spec(), &container).ok());
  EXPECT_EQ(container.runtime_class, "gvisor");
  EXPECT_EQ(container.memory_bytes, 512LL << 20);
  EXPECT_EQ(container.cpu, 1);
  EXPECT_EQ(container.pids_limit, 512);
  EXPECT_TRUE(container.no_new_privileges);
  ASSERT_TRUE(container.capabilities.has_value());
  EXPECT_EQ(*container.capabilities, kDefaultCapabilities);
  for (const char* dangerous : {"SYS_ADMIN", "NET_RAW", "SETFCAP", "SETPCAP", "SYS_PTRACE", "MKNOD",
                                "NET_ADMIN", "SYS_CHROOT"}) {
    EXPECT_EQ(std::count(container.capabilities->begin(), container.capabilities->end(),
                         std::string(dangerous)),
              0)
        << dangerous;
  }
}

TEST(RuntimePolicy, ASpecMayAskForLessOrMoreWithinTheMaximum) {
  RuntimePolicy policy;
  EXPECT_EQ(LimitsFor(policy, Spec("gvisor", 64LL << 20, 0.25)).memory_bytes, 64LL << 20);
  EXPECT_EQ(LimitsFor(policy, Spec("gvisor", 64LL << 20, 0.25)).cpu, 0.25);
  EXPECT_TRUE(AdmitSpec(policy, Spec("gvisor", 8LL << 30, 4)).ok());

  auto memory = AdmitSpec(policy, Spec("gvisor", 9LL << 30));
  ASSERT_FALSE(memory.ok());
  EXPECT_EQ(memory.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(memory.error().message.find("memory 9g is above this Ink's maximum of 8g"),
            std::string::npos)
      << memory.error().message;
  auto cpu = AdmitSpec(policy, Spec("gvisor", 0, 4.5));
  ASSERT_FALSE(cpu.ok());
  EXPECT_NE(cpu.error().message.find("cpu 4.5 is above this Ink's maximum of 4 cores"),
            std::string::npos)
      << cpu.error().message;
  ContainerSpec untouched;
  EXPECT_FALSE(ApplyRuntimePolicy(policy, Spec("gvisor", 0, 4.5), &untouched).ok());
  EXPECT_EQ(untouched.memory_bytes, 0);
}

TEST(RuntimePolicy, RuncOnlyWithTheAdminFlag) {
  RuntimePolicy policy;
  auto refused = AdmitSpec(policy, Spec("runc"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(refused.error().message.find("--allow-runc"), std::string::npos);
  EXPECT_NE(refused.error().message.find("gvisor"), std::string::npos);
  policy.allow_runc = true;
  ContainerSpec container;
  ASSERT_TRUE(ApplyRuntimePolicy(policy, Spec("runc"), &container).ok());
  EXPECT_EQ(container.runtime_class, "runc");
  EXPECT_TRUE(container.no_new_privileges);  // the admin's flag lifts the sandbox, not the rest
  EXPECT_EQ(container.pids_limit, 512);

  auto unknown = AdmitSpec(policy, Spec("docker"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
}

TEST(RuntimePolicy, ValidateChecksTheFlags) {
  EXPECT_TRUE(RuntimePolicy{}.Validate().ok());
  RuntimePolicy big_default;
  big_default.default_memory_bytes = 16LL << 30;
  EXPECT_NE(big_default.Validate().error().message.find("--default-memory 16g"), std::string::npos);
  RuntimePolicy cpu;
  cpu.default_cpu = 8;
  EXPECT_NE(cpu.Validate().error().message.find("--max-cpu (4)"), std::string::npos);
  RuntimePolicy tiny;
  tiny.default_cpu = 0.005;  // the same rule as a service's cpu (ink/common/resources.h)
  EXPECT_NE(tiny.Validate().error().message.find("--default-cpu 0.005 must be 0"),
            std::string::npos);
  RuntimePolicy pids;
  pids.pids_limit = 1;
  EXPECT_FALSE(pids.Validate().ok());
}

}  // namespace
}  // namespace ink
