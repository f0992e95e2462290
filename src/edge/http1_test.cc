// Unit tests of the strict HTTP/1.1 parser: every framing ambiguity is rejected with the error a
// client would be told about, and the forms RFC 9112 allows still parse.
#include "http1.h"

#include <gtest/gtest.h>

#include <string>

namespace ink::edge::internal {
namespace {

struct Parsed {
  ParseError error = ParseError::kNone;
  bool complete = false;
  HeadInfo info;
  HeaderList headers;
  uint32_t head_end = 0;
};

// Scans and parses `text` as the worker does (delivered in one piece, or one byte at a time).
Parsed Parse(const std::string& text, bool request = true, bool byte_by_byte = false,
             bool head_request = false) {
  Parsed p;
  HeadScanner scan;
  scan.Reset(0);
  HeadScanner::Result r = HeadScanner::Result::kNeedMore;
  uint32_t end = 0;
  while (r == HeadScanner::Result::kNeedMore && end < text.size()) {
    end = byte_by_byte ? end + 1 : static_cast<uint32_t>(text.size());
    r = scan.Scan(text.data(), end, &p.head_end);
  }
  if (r == HeadScanner::Result::kBareLf) {
    p.error = ParseError::kBareLf;
    return p;
  }
  if (r != HeadScanner::Result::kComplete) return p;
  p.complete = true;
  p.error = request ? ParseRequestHead(text.data(), scan.start(), p.head_end, &p.info, &p.headers)
                    : ParseResponseHead(text.data(), scan.start(), p.head_end, head_request,
                                        &p.info, &p.headers);
  return p;
}

ParseError RequestError(const std::string& head) { return Parse(head).error; }
ParseError ResponseError(const std::string& head) { return Parse(head, false).error; }

const std::string kGet = "GET / HTTP/1.1\r\nHost: a\r\n";

TEST(Http1HeadTest, ParsesAPlainRequest) {
  std::string text =
      "\r\nPOST /p?q=1 HTTP/1.1\r\nHost: web-demo.localhost\r\nContent-Length: 5\r\n"
      "X-Empty:\r\nX-Pad: \t padded \t\r\n\r\nhello";
  for (bool bytewise : {false, true}) {
    Parsed p = Parse(text, true, bytewise);
    ASSERT_TRUE(p.complete);
    ASSERT_EQ(p.error, ParseError::kNone) << DescribeParseError(p.error);
    EXPECT_EQ(p.info.Method(text.data()), "POST");
    EXPECT_EQ(p.info.Target(text.data()), "/p?q=1");
    EXPECT_EQ(p.info.body, BodyKind::kLength);
    EXPECT_EQ(p.info.content_length, 5u);
    EXPECT_TRUE(p.info.keep_alive);
    EXPECT_EQ(p.headers.count, 4);
    EXPECT_EQ(p.headers.Value(text.data(), 2), "");
    EXPECT_EQ(p.headers.Value(text.data(), 3), "padded");
    EXPECT_EQ(p.headers.Value(text.data(), p.info.host_index), "web-demo.localhost");
    EXPECT_EQ(p.head_end, text.size() - 5);
  }
}

TEST(Http1HeadTest, BareLfIsRejectedWherever) {
  EXPECT_EQ(RequestError("GET / HTTP/1.1\nHost: a\r\n\r\n"), ParseError::kBareLf);
  EXPECT_EQ(RequestError("GET / HTTP/1.1\r\nHost: a\n\r\n"), ParseError::kBareLf);
  EXPECT_EQ(RequestError("GET / HTTP/1.1\r\nHost: a\r\n\n"), ParseError::kBareLf);
  EXPECT_EQ(RequestError("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kBareLf);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", true, true).error,
            ParseError::kBareLf);
}

TEST(Http1HeadTest, LoneCrIsRejected) {
  EXPECT_EQ(RequestError(kGet + "X: a\rb\r\n\r\n"), ParseError::kLoneCr);
  EXPECT_EQ(RequestError("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n"), ParseError::kLoneCr);
}

TEST(Http1HeadTest, RequestLineIsStrict) {
  EXPECT_EQ(RequestError("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kBadRequestLine);
  EXPECT_EQ(RequestError("GET /  HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kBadRequestLine);
  EXPECT_EQ(RequestError("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), ParseError::kBadRequestLine);
  EXPECT_EQ(RequestError("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kBadRequestLine);
  EXPECT_EQ(RequestError("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kBadMethod);
  EXPECT_EQ(RequestError("GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kBadTarget);
  EXPECT_EQ(RequestError("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kBadTarget);
  EXPECT_EQ(RequestError("GET / HTTP/1.x\r\nHost: a\r\n\r\n"), ParseError::kBadVersion);
  EXPECT_EQ(RequestError("GET / http/1.1\r\nHost: a\r\n\r\n"), ParseError::kBadVersion);
  EXPECT_EQ(RequestError("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), ParseError::kUnsupportedVersion);
  EXPECT_EQ(RequestError("GET /\r\nHost: a\r\n\r\n"), ParseError::kBadRequestLine);
}

TEST(Http1HeadTest, HeaderNamesAndValuesAreStrict) {
  EXPECT_EQ(RequestError(kGet + "Content-Length : 3\r\n\r\n"), ParseError::kSpaceBeforeColon);
  EXPECT_EQ(RequestError(kGet + "X\t: y\r\n\r\n"), ParseError::kSpaceBeforeColon);
  EXPECT_EQ(RequestError(kGet + ": y\r\n\r\n"), ParseError::kBadHeaderName);
  EXPECT_EQ(RequestError(kGet + "X(y: z\r\n\r\n"), ParseError::kBadHeaderName);
  EXPECT_EQ(RequestError(kGet + "NoColon\r\n\r\n"), ParseError::kBadHeaderName);
  EXPECT_EQ(RequestError(kGet + "X: a\x01"
                                "b\r\n\r\n"),
            ParseError::kBadHeaderValue);
  EXPECT_EQ(RequestError(kGet + "X: a\x7f\r\n\r\n"), ParseError::kBadHeaderValue);
  EXPECT_EQ(RequestError(kGet + std::string("X: a\0b\r\n\r\n", 11)), ParseError::kBadHeaderValue);
  EXPECT_EQ(RequestError(kGet + "X: caf\xc3\xa9\r\n\r\n"), ParseError::kNone);  // obs-text
}

TEST(Http1HeadTest, ObsFoldIsRejected) {
  EXPECT_EQ(RequestError(kGet + "X: a\r\n b\r\n\r\n"), ParseError::kObsFold);
  EXPECT_EQ(RequestError(kGet + "X: a\r\n\tb\r\n\r\n"), ParseError::kObsFold);
  EXPECT_EQ(RequestError("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), ParseError::kObsFold);
}

TEST(Http1HeadTest, ContentLengthMustBeOneNumber) {
  EXPECT_EQ(RequestError(kGet + "Content-Length: 3\r\nContent-Length: 3\r\n\r\n"),
            ParseError::kDuplicateContentLength);
  EXPECT_EQ(RequestError(kGet + "Content-Length: 3\r\nContent-Length: 4\r\n\r\n"),
            ParseError::kDuplicateContentLength);
  EXPECT_EQ(RequestError(kGet + "Content-Length: 3, 3\r\n\r\n"), ParseError::kBadContentLength);
  EXPECT_EQ(RequestError(kGet + "Content-Length: +3\r\n\r\n"), ParseError::kBadContentLength);
  EXPECT_EQ(RequestError(kGet + "Content-Length: -1\r\n\r\n"), ParseError::kBadContentLength);
  EXPECT_EQ(RequestError(kGet + "Content-Length: 0x10\r\n\r\n"), ParseError::kBadContentLength);
  EXPECT_EQ(RequestError(kGet + "Content-Length: 1 2\r\n\r\n"), ParseError::kBadContentLength);
  EXPECT_EQ(RequestError(kGet + "Content-Length:\r\n\r\n"), ParseError::kBadContentLength);
  EXPECT_EQ(RequestError(kGet + "Content-Length: 99999999999999999999\r\n\r\n"),
            ParseError::kBadContentLength);
  Parsed zero = Parse(kGet + "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(zero.error, ParseError::kNone);
  EXPECT_EQ(zero.info.body, BodyKind::kNone);
}

TEST(Http1HeadTest, TransferEncodingMustEndInChunkedOnce) {
  EXPECT_EQ(RequestError(kGet + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ParseError::kContentLengthAndTransferEncoding);
  EXPECT_EQ(RequestError(kGet + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
            ParseError::kContentLengthAndTransferEncoding);
  EXPECT_EQ(RequestError(kGet + "Transfer-Encoding: gzip\r\n\r\n"),
            ParseError::kBadTransferEncoding);
  EXPECT_EQ(RequestError(kGet + "Transfer-Encoding: chunked, gzip\r\n\r\n"),
            ParseError::kBadTransferEncoding);
  EXPECT_EQ(RequestError(kGet + "Transfer-Encoding: xchunked\r\n\r\n"),
            ParseError::kBadTransferEncoding);
  EXPECT_EQ(RequestError(kGet + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ParseError::kBadTransferEncoding);
  EXPECT_EQ(RequestError(kGet + "Transfer-Encoding: chunked;q=1\r\n\r\n"),
            ParseError::kBadTransferEncoding);
  EXPECT_EQ(RequestError(kGet + "Transfer-Encoding: ,chunked\r\n\r\n"),
            ParseError::kBadTransferEncoding);
  EXPECT_EQ(RequestError(kGet + "Transfer-Encoding:\r\n\r\n"), ParseError::kBadTransferEncoding);
  EXPECT_EQ(RequestError("POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ParseError::kTransferEncodingInHttp10);
  for (const char* ok :
       {"chunked", "Chunked", "gzip, chunked", "gzip\r\nTransfer-Encoding: chunked"}) {
    Parsed p = Parse(kGet + "Transfer-Encoding: " + ok + "\r\n\r\n");
    EXPECT_EQ(p.error, ParseError::kNone) << ok;
    EXPECT_EQ(p.info.body, BodyKind::kChunked) << ok;
  }
}

TEST(Http1HeadTest, HostMustBeSingleAndAgreeWithAbsoluteForm) {
  EXPECT_EQ(RequestError("GET / HTTP/1.1\r\n\r\n"), ParseError::kMissingHost);
  EXPECT_EQ(RequestError("GET / HTTP/1.0\r\n\r\n"), ParseError::kMissingHost);
  EXPECT_EQ(RequestError(kGet + "Host: b\r\n\r\n"), ParseError::kMultipleHost);
  EXPECT_EQ(RequestError("GET http://b/x HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kHostMismatch);
  EXPECT_EQ(RequestError("GET http://a:81/x HTTP/1.1\r\nHost: a\r\n\r\n"),
            ParseError::kHostMismatch);
  EXPECT_EQ(RequestError("GET http://u@a/x HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kBadTarget);
  EXPECT_EQ(RequestError("GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kBadTarget);
  EXPECT_EQ(RequestError("GET a/x HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kBadTarget);
  EXPECT_EQ(RequestError("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kBadTarget);
  EXPECT_EQ(RequestError("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), ParseError::kNone);
  std::string text = "GET HTTP://A/x?y HTTP/1.1\r\nHost: a\r\n\r\n";
  Parsed p = Parse(text);
  ASSERT_EQ(p.error, ParseError::kNone);
  EXPECT_EQ(p.info.Target(text.data()), "/x?y");
  EXPECT_FALSE(p.info.target_needs_slash);
  text = "GET http://a?y HTTP/1.1\r\nHost: a\r\n\r\n";
  p = Parse(text);
  ASSERT_EQ(p.error, ParseError::kNone);
  EXPECT_EQ(p.info.Target(text.data()), "?y");
  EXPECT_TRUE(p.info.target_needs_slash);
}

TEST(Http1HeadTest, TooManyHeaders) {
  std::string text = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) text += "Host: a\r\n";
  EXPECT_EQ(RequestError(text + "\r\n"), ParseError::kTooManyHeaders);
}

TEST(Http1HeadTest, ConnectionSemantics) {
  EXPECT_TRUE(Parse(kGet + "\r\n").info.keep_alive);
  EXPECT_FALSE(Parse(kGet + "Connection: close\r\n\r\n").info.keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.0\r\nHost: a\r\n\r\n").info.keep_alive);
  EXPECT_TRUE(Parse("GET / HTTP/1.0\r\nHost: a\r\nConnection: Keep-Alive\r\n\r\n").info.keep_alive);
  EXPECT_TRUE(
      Parse(kGet + "Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n").info.upgrade);
  EXPECT_FALSE(Parse(kGet + "Upgrade: websocket\r\n\r\n").info.upgrade);
}

TEST(Http1HeadTest, ResponsesAreFramedStrictly) {
  EXPECT_EQ(ResponseError("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked"
                          "\r\n\r\n"),
            ParseError::kContentLengthAndTransferEncoding);
  EXPECT_EQ(ResponseError("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n"),
            ParseError::kDuplicateContentLength);
  EXPECT_EQ(ResponseError("HTTP/1.1 200 OK\nContent-Length: 2\r\n\r\n"), ParseError::kBareLf);
  EXPECT_EQ(ResponseError("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"), ParseError::kObsFold);
  EXPECT_EQ(ResponseError("HTTP/1.1 20 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(ResponseError("HTTP/1.1 099 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(ResponseError("HTTP/1.1  200 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(ResponseError("HTTP/1.1 200 O\x01K\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(ResponseError("ICY 200 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(ResponseError("HTTP/1.1 200\r\n\r\n"), ParseError::kNone);  // empty reason
  Parsed p = Parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false);
  EXPECT_EQ(p.info.body, BodyKind::kUntilClose);
  EXPECT_FALSE(p.info.keep_alive);
  p = Parse("HTTP/1.1 200 OK\r\n\r\n", false);
  EXPECT_EQ(p.info.body, BodyKind::kUntilClose);
  p = Parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false);
  EXPECT_EQ(p.info.body, BodyKind::kNone);
  EXPECT_TRUE(p.info.keep_alive);
  p = Parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", false, false, /*head_request=*/true);
  EXPECT_EQ(p.info.body, BodyKind::kNone);
  std::string text = "HTTP/1.1 404 Not Found Here\r\nTransfer-Encoding: chunked\r\n\r\n";
  p = Parse(text, false);
  EXPECT_EQ(p.info.status, 404);
  EXPECT_EQ(p.info.Reason(text.data()), "Not Found Here");
  EXPECT_EQ(p.info.body, BodyKind::kChunked);
}

TEST(Http1MethodTest, IdempotentMethods) {
  for (const char* m : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"}) {
    EXPECT_TRUE(IsIdempotentMethod(m)) << m;
  }
  for (const char* m : {"POST", "PATCH", "CONNECT", "get", "PROPFIND"}) {
    EXPECT_FALSE(IsIdempotentMethod(m)) << m;
  }
}

struct Framed {
  size_t consumed = 0;
  bool done = false;
  ParseError error = ParseError::kNone;
  uint64_t payload = 0;
};

// Runs a chunked body through a BodyFramer, whole or one byte at a time.
Framed Frame(const std::string& body, bool bytewise = false, uint64_t limit = 0,
             BodyKind kind = BodyKind::kChunked, uint64_t length = 0) {
  BodyFramer f;
  f.Start(kind, length, limit);
  Framed r;
  if (bytewise) {
    for (size_t i = 0; i < body.size() && !f.done() && f.error() == ParseError::kNone; ++i) {
      r.consumed += f.Consume(body.data() + i, 1);
    }
  } else {
    r.consumed = f.Consume(body.data(), body.size());
  }
  r.done = f.done();
  r.error = f.error();
  r.payload = f.payload_bytes();
  return r;
}

TEST(Http1BodyTest, ChunkedBodiesEndExactlyWhereTheyEnd) {
  std::string body = "5\r\nhello\r\n7;name=\"v a\"\r\n, world\r\n0\r\nX-Sum: 1\r\n\r\nGET /";
  for (bool bytewise : {false, true}) {
    Framed r = Frame(body, bytewise);
    EXPECT_TRUE(r.done);
    EXPECT_EQ(r.error, ParseError::kNone);
    EXPECT_EQ(r.consumed, body.size() - 5);
    EXPECT_EQ(r.payload, 12u);
  }
  EXPECT_TRUE(Frame("000\r\n\r\n").done);
  EXPECT_TRUE(Frame("A ; ext\r\n0123456789\r\n0\r\n\r\n").done);
}

TEST(Http1BodyTest, ChunkFramingErrors) {
  struct Case {
    const char* body;
    ParseError error;
  } cases[] = {
      {"5\nhello\r\n0\r\n\r\n", ParseError::kBareLf},
      {"5;ext\nhello\r\n0\r\n\r\n", ParseError::kBareLf},
      {"5\r\nhello\n0\r\n\r\n", ParseError::kBareLf},
      {"5\r\nhelloXX0\r\n\r\n", ParseError::kMissingChunkCrlf},
      {"5\r\nhello\rX0\r\n\r\n", ParseError::kMissingChunkCrlf},
      {"5\rX", ParseError::kLoneCr},
      {"0\r\n\n", ParseError::kBareLf},
      {"0\r\nX: y\n\r\n", ParseError::kBareLf},
      {"0\r\nX : y\r\n\r\n", ParseError::kSpaceBeforeColon},
      {"0\r\nX: y\r\n z\r\n\r\n", ParseError::kObsFold},
      {"0\r\n(: y\r\n\r\n", ParseError::kBadTrailer},
      {"0\r\nX: \x01\r\n\r\n", ParseError::kBadTrailer},
      {"0\r\n\rX", ParseError::kLoneCr},
      {"g\r\n", ParseError::kBadChunkSize},
      {"-1\r\n", ParseError::kBadChunkSize},
      {"0x5\r\n", ParseError::kBadChunkSize},
      {"5 \r\nhello\r\n", ParseError::kBadChunkSize},
      {"\r\n", ParseError::kBadChunkSize},
      {"5;a\x01\r\n", ParseError::kBadChunkExtension},
      {"1000000000000000\r\n", ParseError::kChunkSizeTooLarge},
      {"ffffffffffffffffffff\r\n", ParseError::kChunkSizeTooLarge},
  };
  for (const Case& c : cases) {
    for (bool bytewise : {false, true}) {
      Framed r = Frame(c.body, bytewise);
      EXPECT_FALSE(r.done) << c.body;
      EXPECT_EQ(r.error, c.error) << c.body << " bytewise=" << bytewise << ": "
                                  << DescribeParseError(r.error);
    }
  }
  EXPECT_EQ(Frame("1;" + std::string(5000, 'a') + "\r\n").error, ParseError::kChunkLineTooLong);
  std::string trailers = "0\r\n";
  for (int i = 0; i < 2000; ++i) trailers += "X-Trailer: 0123456789\r\n";
  EXPECT_EQ(Frame(trailers).error, ParseError::kTrailersTooLarge);
}

TEST(Http1BodyTest, LimitsAndOtherKinds) {
  EXPECT_EQ(Frame("5\r\nhello\r\n6\r\nhello!\r\n0\r\n\r\n", false, 10).error,
            ParseError::kBodyTooLarge);
  EXPECT_TRUE(Frame("5\r\nhello\r\n5\r\nhello\r\n0\r\n\r\n", false, 10).done);
  Framed r = Frame("abcdefgh", false, 0, BodyKind::kLength, 5);
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.consumed, 5u);
  r = Frame("abc", false, 4, BodyKind::kLength, 5);
  EXPECT_EQ(r.error, ParseError::kBodyTooLarge);
  BodyFramer f;
  f.Start(BodyKind::kUntilClose, 0, 0);
  EXPECT_EQ(f.Consume("abc", 3), 3u);
  EXPECT_FALSE(f.done());
  f.OnEof();
  EXPECT_TRUE(f.done());
  f.Start(BodyKind::kNone, 0, 0);
  EXPECT_TRUE(f.done());
  EXPECT_EQ(f.Consume("GET", 3), 0u);
}

}  // namespace
}  // namespace ink::edge::internal
