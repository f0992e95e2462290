#include "src/api/pkt_line.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace ink::git {
namespace {

std::string Pkt(std::string_view payload) {
  char length[5];
  std::snprintf(length, sizeof length, "%04zx", payload.size() + 4);
  return std::string(length) + std::string(payload);
}

const std::string kZero(40, '0');
const std::string kOld = "1111111111111111111111111111111111111111";
const std::string kNew = "2222222222222222222222222222222222222222";

TEST(ReadPktLine, DataFlushAndIncompleteInput) {
  auto data = ReadPktLine("0009hello0000");
  ASSERT_TRUE(data.ok() && data->has_value());
  EXPECT_EQ((*data)->payload, "hello");
  EXPECT_EQ((*data)->size, 9u);
  auto flush = ReadPktLine("0000");
  ASSERT_TRUE(flush.ok() && flush->has_value());
  EXPECT_EQ((*flush)->kind, PktKind::kFlush);
  for (const char* partial : {"", "00", "000", "0009hel"}) {
    auto r = ReadPktLine(partial);
    ASSERT_TRUE(r.ok()) << partial;
    EXPECT_FALSE(r->has_value()) << partial;
  }
  for (const char* bad : {"0003", "zzzz", "fff1xxxx", "00-1"}) {
    EXPECT_FALSE(ReadPktLine(bad).ok()) << bad;
  }
}

TEST(ParsePushCommands, CommandsCapabilitiesAndTheFlush) {
  std::string body = Pkt(kOld + " " + kNew + " refs/heads/main" + std::string(1, '\0') +
                         "report-status side-band-64k\n") +
                     Pkt(kZero + " " + kNew + " refs/heads/feature\n") +
                     Pkt(kOld + " " + kZero + " refs/tags/old\n") + "0000PACK....";
  auto parsed = ParsePushCommands(body);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_TRUE(parsed->has_value());
  const PushCommands& c = **parsed;
  ASSERT_EQ(c.updates.size(), 3u);
  EXPECT_EQ(c.updates[0].ref, "refs/heads/main");
  EXPECT_EQ(c.updates[0].new_id, kNew);
  EXPECT_EQ(c.capabilities, "report-status side-band-64k");
  EXPECT_TRUE(c.updates[2].Deletes());
  EXPECT_FALSE(c.updates[1].Deletes());
  EXPECT_EQ(body.substr(c.consumed), "PACK....");
  // Every proper prefix only asks for more bytes.
  for (size_t n = 0; n < c.consumed; ++n) {
    auto prefix = ParsePushCommands(std::string_view(body).substr(0, n));
    ASSERT_TRUE(prefix.ok()) << n << ": " << prefix.error().message;
    EXPECT_FALSE(prefix->has_value()) << n;
  }
}

TEST(ParsePushCommands, ShallowLinesAndSignedPushes) {
  std::string shallow =
      Pkt("shallow " + kOld + "\n") + Pkt(kOld + " " + kNew + " refs/heads/main") + "0000";
  auto s = ParsePushCommands(shallow);
  ASSERT_TRUE(s.ok() && s->has_value()) << (s.ok() ? "" : s.error().message);
  EXPECT_EQ((*s)->updates.size(), 1u);
  std::string signed_push = Pkt("push-cert" + std::string(1, '\0') + "report-status\n") +
                            Pkt("certificate version 0.1\n") + Pkt("pusher t 1 +0000\n") +
                            Pkt("\n") + Pkt(kOld + " " + kNew + " refs/heads/main\n") +
                            Pkt("-----BEGIN PGP SIGNATURE-----\n") + Pkt("abc\n") +
                            Pkt("push-cert-end\n") + "0000";
  auto c = ParsePushCommands(signed_push);
  ASSERT_TRUE(c.ok() && c->has_value()) << (c.ok() ? "" : c.error().message);
  ASSERT_EQ((*c)->updates.size(), 1u);
  EXPECT_EQ((*c)->updates[0].ref, "refs/heads/main");
}

TEST(ParsePushCommands, MalformedCommandsAreRefused) {
  for (std::string line :
       {kOld + " " + kNew, kOld + " short refs/heads/x", kOld + " " + kNew + " refs/heads/a b",
        kOld + " " + kNew + " refs/heads/a..b", kOld + " " + kNew + " HEAD",
        kOld + " " + kNew + " refs/heads/x\x01", std::string("shallow nothex")}) {
    auto r = ParsePushCommands(Pkt(line) + "0000");
    EXPECT_FALSE(r.ok()) << line;
  }
  EXPECT_FALSE(ParsePushCommands("0000").ok());  // no command
  EXPECT_FALSE(ParsePushCommands(Pkt(kOld + " " + kNew + " refs/heads/a") + "0001").ok());
}

}  // namespace
}  // namespace ink::git
