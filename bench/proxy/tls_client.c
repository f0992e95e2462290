// Handshake load for bench/proxy/tls.sh: sequential TLS connections to IP:PORT, each one
// "GET / HTTP/1.1" with Connection: close, read to the end, close_notify, close. With resume=1
// every connection offers the session (ticket) of the one before, so all but the first are
// resumed handshakes; with 0 every one is a full handshake. No certificate verification: the
// point is the server's CPU per connection, not the client's.
// Usage: tls_client IP PORT SNI HOST SECONDS RESUME   → "connections=N reused=M failed=F"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s IP PORT SNI HOST SECONDS RESUME\n", argv[0]);
    return 2;
  }
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)atoi(argv[2]));
  inet_pton(AF_INET, argv[1], &addr.sin_addr);
  const char* sni = argv[3];
  double seconds = atof(argv[5]);
  int resume = atoi(argv[6]);
  char request[512];
  int request_len = snprintf(request, sizeof request,
                             "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", argv[4]);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  static const unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn);
  SSL_SESSION* session = NULL;
  long connections = 0, reused = 0, failed = 0;
  double end = now() + seconds;
  while (now() < end) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
      ++failed;
      close(fd);
      continue;
    }
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, sni);
    if (resume && session) SSL_set_session(ssl, session);
    int ok = SSL_connect(ssl) == 1 && SSL_write(ssl, request, request_len) == request_len;
    char buf[16384];
    long got = 0;
    int n, status_ok = 0;
    while (ok && (n = SSL_read(ssl, buf, sizeof buf)) > 0) {
      if (got == 0) status_ok = n >= 12 && memcmp(buf, "HTTP/1.1 200", 12) == 0;
      got += n;
    }
    if (ok && status_ok) {
      ++connections;
      if (SSL_session_reused(ssl)) ++reused;
      SSL_shutdown(ssl);  // a clean close keeps the session resumable
      if (resume) {
        SSL_SESSION* next = SSL_get1_session(ssl);
        if (session) SSL_SESSION_free(session);
        session = next;
      }
    } else {
      ++failed;
    }
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
  }
  printf("connections=%ld reused=%ld failed=%ld\n", connections, reused, failed);
  return 0;
}
