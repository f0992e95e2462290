// libFuzzer target: feeds arbitrary bytes to the request-head path (http-parser callbacks into
// HeaderList, host normalization, upstream head rewriting) the way a worker does.
#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "http_head.h"
#include "ink/edge/route_table.h"

namespace {

struct Ctx {
  const char* base;
  ink::edge::internal::HeaderList headers;
  bool head_done = false;
};

int OnUrl(http_parser* p, const char* at, size_t n) {
  auto* c = static_cast<Ctx*>(p->data);
  if (c->headers.url_length == 0) c->headers.url_offset = static_cast<uint32_t>(at - c->base);
  c->headers.url_length += static_cast<uint32_t>(n);
  return 0;
}
int OnField(http_parser* p, const char* at, size_t n) {
  auto* c = static_cast<Ctx*>(p->data);
  c->headers.OnField(c->base, at, n);
  return 0;
}
int OnValue(http_parser* p, const char* at, size_t n) {
  auto* c = static_cast<Ctx*>(p->data);
  c->headers.OnValue(c->base, at, n);
  return 0;
}
int OnHeadersComplete(http_parser* p) {
  static_cast<Ctx*>(p->data)->head_done = true;
  http_parser_pause(p, 1);
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string buf(reinterpret_cast<const char*>(data), size);
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_url = OnUrl;
  s.on_header_field = OnField;
  s.on_header_value = OnValue;
  s.on_headers_complete = OnHeadersComplete;
  http_parser p;
  http_parser_init(&p, HTTP_REQUEST);
  Ctx c;
  c.base = buf.data();
  c.headers.Clear();
  p.data = &c;
  // Feed in two pieces, as reads split it, to exercise joined header pieces.
  size_t half = size / 2;
  http_parser_execute(&p, &s, buf.data(), half);
  if (!c.head_done && HTTP_PARSER_ERRNO(&p) == HPE_OK) {
    http_parser_execute(&p, &s, buf.data() + half, size - half);
  }
  if (!c.head_done || c.headers.too_many) return 0;
  int count = 0;
  std::string_view host = c.headers.Find(c.base, "host", &count);
  char norm[256];
  ink::edge::NormalizeHost(host, norm, sizeof norm);
  std::string out;
  ink::edge::internal::BuildUpstreamRequestHead(
      c.base, c.headers,
      {http_method_str(static_cast<http_method>(p.method)),
       std::string_view(c.base + c.headers.url_offset, c.headers.url_length), false, p.upgrade != 0,
       "127.0.0.1"},
      &out);
  return 0;
}
