#include "src/http/request_parser.h"

#include <gtest/gtest.h>

namespace ink::http::internal {
namespace {

HeadParse Parse(std::string_view text) { return ParseRequestHead(text); }

void ExpectFails(std::string_view text, int status, std::string_view words) {
  auto p = Parse(text);
  ASSERT_EQ(p.state, HeadParse::State::kFailed) << text;
  EXPECT_EQ(p.failure.status, status) << text;
  EXPECT_NE(p.failure.message.find(words), std::string::npos) << p.failure.message;
}

TEST(RequestHead, ParsesAHeadAndSaysWhereItEnds) {
  std::string text =
      "\r\nPOST /v1/projects?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
      "X-Thing:  spaced value \t\r\n\r\nhello";
  auto p = Parse(text);
  ASSERT_EQ(p.state, HeadParse::State::kComplete) << p.failure.message;
  EXPECT_EQ(p.size, text.size() - 5);
  EXPECT_EQ(p.head.method, "POST");
  EXPECT_EQ(p.head.target, "/v1/projects?x=1");
  EXPECT_EQ(p.head.content_length, 5u);
  EXPECT_TRUE(p.head.keep_alive);
  ASSERT_EQ(p.head.fields.size(), 3u);
  EXPECT_EQ(p.head.fields[2], (std::pair<std::string, std::string>{"x-thing", "spaced value"}));
}

TEST(RequestHead, IncompleteUntilTheBlankLine) {
  std::string text = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  for (size_t n = 0; n < text.size(); ++n) {
    EXPECT_EQ(Parse(text.substr(0, n)).state, HeadParse::State::kIncomplete) << n;
  }
  EXPECT_EQ(Parse(text).state, HeadParse::State::kComplete);
}

TEST(RequestHead, GarbageFailsAsSoonAsItsLineIsComplete) {
  ExpectFails("\x16\x03\x01 hello\r\n", 400, "request line");
  ExpectFails("GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n", 400, "colon");
}

TEST(RequestHead, RejectsAmbiguousFraming) {
  ExpectFails("GET / HTTP/1.1\nHost: a\r\n\r\n", 400, "bare LF");
  ExpectFails("GET / HTTP/1.1\r\nHost: a\n\r\n", 400, "bare LF");
  ExpectFails("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400, "CR");
  ExpectFails("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n", 400, "folding");
  ExpectFails("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "whitespace");
  ExpectFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 400,
              "more than one Content-Length");
  ExpectFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 400, "Content-Length");
  ExpectFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, "Content-Length");
  ExpectFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400,
              "Content-Length");
  ExpectFails(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
      "together");
  ExpectFails("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
              "chunked");
  ExpectFails("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0");
  ExpectFails("GET / HTTP/1.1\r\n\r\n", 400, "Host");
  ExpectFails("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host");
  ExpectFails("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n", 400, "control");
  ExpectFails("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "request line");
  ExpectFails("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "request line");
  ExpectFails("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400, "percent-encoded");
  ExpectFails("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP/1.1");
  ExpectFails("GET / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n", 417, "100-continue");
  ExpectFails("GET relative HTTP/1.1\r\nHost: a\r\n\r\n", 400, "path");
}

TEST(RequestHead, EnforcesItsLimits) {
  std::string big = "GET /" + std::string(20000, 'a');
  ExpectFails(big, 431, "larger");
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 101; ++i) many += "X" + std::to_string(i) + ": v\r\n";
  ExpectFails(many + "\r\n", 431, "header fields");
}

TEST(RequestHead, ConnectionAndVersionDecideKeepAlive) {
  EXPECT_FALSE(
      Parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.0\r\n\r\n").head.keep_alive);
  EXPECT_TRUE(Parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").head.keep_alive);
  auto expect =
      Parse("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_TRUE(expect.head.expect_continue);
}

TEST(RequestHead, AbsoluteFormBecomesOriginForm) {
  EXPECT_EQ(Parse("GET http://h:1/a?b HTTP/1.1\r\nHost: h:1\r\n\r\n").head.target, "/a?b");
  EXPECT_EQ(Parse("GET http://h?b HTTP/1.1\r\nHost: h\r\n\r\n").head.target, "/?b");
  EXPECT_EQ(Parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").head.target, "*");
}

RequestHead Chunked() {
  RequestHead head;
  head.chunked = true;
  return head;
}

std::string DecodeAll(BodyDecoder& d, std::string_view in, size_t piece) {
  std::string out;
  for (size_t at = 0; at < in.size() && d.state() == BodyDecoder::State::kNeedMore;) {
    size_t used = d.DecodeAppend(in.substr(at, piece), &out);
    if (used == 0) break;
    at += used;
  }
  return out;
}

TEST(BodyDecoder, DecodesChunkedBodiesInAnyPieces) {
  std::string in = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  for (size_t piece : {1u, 2u, 7u, 1000u}) {
    BodyDecoder d(Chunked(), 100);
    EXPECT_EQ(DecodeAll(d, in, piece), "hello world") << piece;
    EXPECT_EQ(d.state(), BodyDecoder::State::kDone) << piece;
  }
  BodyDecoder d(Chunked(), 100);
  std::string out;
  EXPECT_EQ(d.DecodeAppend(in, &out), in.size() - 4);  // stops before the next request
}

TEST(BodyDecoder, RejectsBrokenChunkFraming) {
  for (std::string_view bad :
       {"x\r\n", "5\nhello\r\n", "5\r\nhelloX\r\n", "5\r\nhello\n0\r\n\r\n",
        "1234567890abcdef0\r\n", "0\r\nTrailer\n\r\n", "5;a\x01\r\nhello\r\n"}) {
    BodyDecoder d(Chunked(), 1 << 20);
    DecodeAll(d, bad, 1000);
    EXPECT_EQ(d.state(), BodyDecoder::State::kFailed) << bad;
    EXPECT_EQ(d.failure().status, 400) << bad;
  }
}

TEST(BodyDecoder, AChunkPastTheLimitFailsBeforeItsDataArrives) {
  BodyDecoder d(Chunked(), 10);
  std::string out;
  d.DecodeAppend("5\r\nhello\r\n6\r\n", &out);
  EXPECT_EQ(d.state(), BodyDecoder::State::kFailed);
  EXPECT_EQ(d.failure().status, 413);
  RequestHead sized;
  sized.content_length = 11;
  BodyDecoder by_length(sized, 10);
  EXPECT_EQ(by_length.state(), BodyDecoder::State::kFailed);
  EXPECT_EQ(by_length.failure().status, 413);
}

TEST(BodyDecoder, ContentLengthBodiesStopAtTheirLength) {
  RequestHead head;
  head.content_length = 4;
  BodyDecoder d(head, 100);
  char out[2];
  auto step = d.Decode("abcdefg", out, sizeof out);
  EXPECT_EQ(step.produced, 2u);
  step = d.Decode("cdefg", out, sizeof out);
  EXPECT_EQ(std::string(out, 2), "cd");
  EXPECT_EQ(d.state(), BodyDecoder::State::kDone);
}

TEST(Query, DecodesParameters) {
  std::map<std::string, std::string> q;
  ParseQuery("a=1&b=x+y%26&c&=skip&a=2&bad=%zz%4", q);
  EXPECT_EQ(q["a"], "2");
  EXPECT_EQ(q["b"], "x y&");
  EXPECT_EQ(q["c"], "");
  EXPECT_EQ(q["bad"], "%zz%4");
  EXPECT_EQ(q.count(""), 0u);
}

}  // namespace
}  // namespace ink::http::internal
