#include "output.h"

#include <gtest/gtest.h>

namespace ink::cli {
namespace {

TEST(FormatTable, AlignsColumnsAndLeavesNoTrailingSpace) {
  std::string table = FormatTable({"NAME", "ID", "CREATED"}, {{"demo", "prj_abc", "5m ago"},
                                                              {"a-much-longer-name", "prj_x", ""}});
  EXPECT_EQ(table,
            "NAME                 ID        CREATED\n"
            "demo                 prj_abc   5m ago\n"
            "a-much-longer-name   prj_x\n");
}

TEST(FormatTable, NewlinesInCellsStayOnOneRowAndUtf8CountsAsOneColumn) {
  std::string table = FormatTable({"A", "B"}, {{"é", "x"}, {"line1\nline2", "y"}});
  EXPECT_EQ(table,
            "A             B\n"
            "é             x\n"
            "line1 line2   y\n");
}

TEST(FormatTable, ShortRowsArePadded) { EXPECT_EQ(FormatTable({"A", "B"}, {{"1"}}), "A   B\n1\n"); }

TEST(Truncate, CutsLongTextOnCodePoints) {
  EXPECT_EQ(Truncate("short", 10), "short");
  EXPECT_EQ(Truncate("exactly10!", 10), "exactly10!");
  EXPECT_EQ(Truncate("this is far too long", 10), "this is...");
  EXPECT_EQ(Truncate("ééééééééééé", 5), "éé...");
}

TEST(FormatKeyValues, AlignsValues) {
  EXPECT_EQ(FormatKeyValues({{"Name", "web"}, {"Active deployment", "dep_1"}, {"Env", ""}}),
            "Name:               web\n"
            "Active deployment:  dep_1\n"
            "Env:\n");
}

TEST(Field, RendersScalarsArraysAndMissing) {
  Json object = {{"s", "text"},     {"n", 3},      {"f", 0.5},        {"b", true},
                 {"a", {"A", "B"}}, {"empty", ""}, {"null", nullptr}, {"none", Json::array()}};
  EXPECT_EQ(Field(object, "s"), "text");
  EXPECT_EQ(Field(object, "n"), "3");
  EXPECT_EQ(Field(object, "f"), "0.5");
  EXPECT_EQ(Field(object, "b"), "true");
  EXPECT_EQ(Field(object, "a"), "A, B");
  EXPECT_EQ(Field(object, "empty"), "-");
  EXPECT_EQ(Field(object, "null"), "-");
  EXPECT_EQ(Field(object, "none"), "-");
  EXPECT_EQ(Field(object, "missing"), "-");
  EXPECT_EQ(Field(Json("not an object"), "s"), "-");
  EXPECT_TRUE(Member(Json::array(), "x").is_null());
}

TEST(FormatAge, RelativeToNow) {
  const int64_t now = 1'700'000'000'000;
  EXPECT_EQ(FormatAge(Json(now - 42'000), now), "42s ago");
  EXPECT_EQ(FormatAge(Json(now - 5 * 60'000), now), "5m ago");
  EXPECT_EQ(FormatAge(Json(now - 3 * 3'600'000), now), "3h ago");
  EXPECT_EQ(FormatAge(Json(now - 12 * 86'400'000LL), now), "12d ago");
  EXPECT_EQ(FormatAge(Json(now + 5000), now), "0s ago");  // clock skew
  EXPECT_EQ(FormatAge(Json("2024-01-01T00:00:00Z"), now), "2024-01-01T00:00:00Z");
  EXPECT_EQ(FormatAge(Json(), now), "-");
}

TEST(FormatBytes, BinaryUnitsWhenExact) {
  EXPECT_EQ(FormatBytes(Json(134217728)), "128Mi");
  EXPECT_EQ(FormatBytes(Json(1073741824)), "1Gi");
  EXPECT_EQ(FormatBytes(Json(1536)), "1536");  // 1.5Ki: not a whole number of Ki
  EXPECT_EQ(FormatBytes(Json(1000)), "1000");
  EXPECT_EQ(FormatBytes(Json(0)), "unlimited");
  EXPECT_EQ(FormatBytes(Json("256m")), "256m");
  EXPECT_EQ(FormatBytes(Json()), "-");
}

TEST(FormatSeconds, Compact) {
  EXPECT_EQ(FormatSeconds(45), "45s");
  EXPECT_EQ(FormatSeconds(750), "12m30s");
  EXPECT_EQ(FormatSeconds(3600), "1h");
  EXPECT_EQ(FormatSeconds(3 * 3600 + 5 * 60 + 9), "3h5m");
  EXPECT_EQ(FormatSeconds(2 * 86400 + 4 * 3600), "2d4h");
}

TEST(ApiErrorMessage, FromErrorEnvelopeOrRawBody) {
  std::string body =
      R"({"error": {"code": "invalid_argument", "message": "port 70000 is out of range 1-65535"}})";
  EXPECT_EQ(ApiErrorMessage(400, body), "port 70000 is out of range 1-65535");
  EXPECT_EQ(ApiErrorCode(body), "invalid_argument");
  EXPECT_EQ(ApiErrorMessage(502, "Bad Gateway\nmore"), "HTTP 502: Bad Gateway");
  EXPECT_EQ(ApiErrorMessage(500, ""), "HTTP 500");
  EXPECT_EQ(ApiErrorMessage(404, R"({"error": "flat"})"), R"(HTTP 404: {"error": "flat"})");
  EXPECT_EQ(ApiErrorCode("nope"), "");
}

TEST(Sparkline, ScalesToTheLimitOrTheMax) {
  EXPECT_EQ(Sparkline({0, 0.25, 0.5}, 0.5), "▁▅█");
  EXPECT_EQ(Sparkline({1, 2, 4, 8}, 0), "▂▃▅█");
  EXPECT_EQ(Sparkline({9}, 4), "█");  // above the limit: full
  EXPECT_EQ(Sparkline({0, 0}, 0), "▁▁");
  EXPECT_EQ(Sparkline({}, 1), "");
}

}  // namespace
}  // namespace ink::cli
