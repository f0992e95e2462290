// Test support for the edge's TLS tests (tests only): certificate files in the --tls-dir format
// made with the openssl command (src/http/test_certificates.h), and a blocking OpenSSL client
// that verifies the chain against the test CA and the name it sent as SNI.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "src/http/test_certificates.h"

namespace ink::edge::testing {

inline std::string ReadText(const std::filesystem::path& path) {
  std::stringstream ss;
  ss << std::ifstream(path).rdbuf();
  return ss.str();
}

// Writes `text` to dir/file the way the certificate manager must: temp file (mode 0600) + rename.
inline void WriteCertificateFile(const std::string& dir, const std::string& file,
                                 const std::string& text, mode_t mode = 0600) {
  std::string tmp = dir + "/." + file + ".tmp";
  std::ofstream(tmp) << text;
  ::chmod(tmp.c_str(), mode);
  std::rename(tmp.c_str(), (dir + "/" + file).c_str());
}

// A CA and leaves signed by it, made in `work` (one openssl run per leaf).
class TestPki {
 public:
  explicit TestPki(std::filesystem::path work) : work_(std::move(work)) {
    std::filesystem::create_directories(work_);
    ok_ = http::testing::MakeTestCa(work_, "ca").ok();
  }
  bool ok() const { return ok_; }
  std::string ca_file() const { return (work_ / "ca.pem").string(); }
  // Key + leaf + CA as one --tls-dir file's content; `leaf` names the leaf's files in `work`.
  std::string Bundle(const std::string& leaf, const std::string& sans) {
    if (!http::testing::MakeTestServerCert(work_, "ca", leaf, sans).ok()) return "";
    return ReadText(work_ / (leaf + ".key")) + ReadText(work_ / (leaf + ".pem")) +
           ReadText(work_ / "ca.pem");
  }
  std::string Key(const std::string& leaf) { return ReadText(work_ / (leaf + ".key")); }
  std::string Leaf(const std::string& leaf) { return ReadText(work_ / (leaf + ".pem")); }

 private:
  std::filesystem::path work_;
  bool ok_ = false;
};

struct TlsResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  bool ok = false;
};

// One TLS connection to 127.0.0.1:port with `server_name` as SNI (and as the name the
// certificate must carry). Blocking, one response at a time (Content-Length bodies).
class TlsClient {
 public:
  TlsClient(uint16_t port, const std::string& server_name, const std::string& ca_file,
            SSL_SESSION* resume = nullptr, int max_version = TLS1_3_VERSION)
      : name_(server_name) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(ctx_, max_version);
    SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(ctx_, kAlpn, sizeof kAlpn);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (!server_name.empty()) {
      SSL_set_tlsext_host_name(ssl_, server_name.c_str());
      SSL_set1_host(ssl_, server_name.c_str());
    }
    if (resume != nullptr) SSL_set_session(ssl_, resume);
    int rc = SSL_connect(ssl_);
    if (rc == 1) {
      connected_ = true;
    } else {
      unsigned long code = ERR_peek_error();
      reason_ = ERR_GET_REASON(code);
      char text[256] = {};
      ERR_error_string_n(code, text, sizeof text);
      error_ = text;
      ERR_clear_error();
    }
  }
  ~TlsClient() {
    // close_notify first: OpenSSL marks a session not resumable when its connection was not
    // shut down cleanly.
    if (ssl_ && connected_ && SSL_shutdown(ssl_) < 0) ERR_clear_error();
    if (ssl_) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
    if (ctx_) SSL_CTX_free(ctx_);
  }
  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }
  int reason() const { return reason_; }  // ERR_GET_REASON of the failed handshake
  bool reused() const { return ssl_ && SSL_session_reused(ssl_) == 1; }
  std::string version() const { return ssl_ ? SSL_get_version(ssl_) : ""; }
  std::string alpn() const {
    const unsigned char* p = nullptr;
    unsigned int n = 0;
    SSL_get0_alpn_selected(ssl_, &p, &n);
    return std::string(reinterpret_cast<const char*>(p ? p : reinterpret_cast<const unsigned char*>("")), n);
  }
  // The leaf's serial number in hex ("" if none).
  std::string PeerSerial() const {
    X509* peer = SSL_get1_peer_certificate(ssl_);
    if (!peer) return "";
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(peer), nullptr);
    char* hex = BN_bn2hex(bn);
    std::string serial = hex;
    OPENSSL_free(hex);
    BN_free(bn);
    X509_free(peer);
    return serial;
  }
  // The session to resume with (caller frees with SSL_SESSION_free).
  SSL_SESSION* Session() const { return SSL_get1_session(ssl_); }

  bool Send(const std::string& bytes) {
    size_t written = 0;
    return connected_ && SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written) == 1 &&
           written == bytes.size();
  }
  std::string ReadSome() {
    char buf[16384];
    size_t n = 0;
    if (SSL_read_ex(ssl_, buf, sizeof buf, &n) != 1) {
      ERR_clear_error();
      return "";
    }
    return std::string(buf, n);
  }
  // Reads to the end of the connection: true when the server ended it with close_notify.
  bool ClosedCleanly() {
    char buf[4096];
    size_t n = 0;
    while (SSL_read_ex(ssl_, buf, sizeof buf, &n) == 1) {
    }
    bool clean = SSL_get_error(ssl_, 0) == SSL_ERROR_ZERO_RETURN;
    ERR_clear_error();
    if (clean) {
      // Done on both sides without writing to the closed socket (SIGPIPE); the session stays
      // resumable.
      SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
      connected_ = false;
    }
    return clean;
  }
  TlsResponse Get(const std::string& host, const std::string& path,
                  const std::string& extra = "") {
    TlsResponse r;
    if (!Send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra + "\r\n")) return r;
    return Read();
  }
  TlsResponse Read() {
    TlsResponse r;
    size_t end;
    while ((end = buffered_.find("\r\n\r\n")) == std::string::npos) {
      std::string more = ReadSome();
      if (more.empty()) return r;
      buffered_ += more;
    }
    std::string head = buffered_.substr(0, end);
    buffered_.erase(0, end + 4);
    std::sscanf(head.c_str(), "HTTP/1.%*d %d", &r.status);
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buffered_.size() < length) {
      std::string more = ReadSome();
      if (more.empty()) return r;
      buffered_ += more;
    }
    r.body = buffered_.substr(0, length);
    buffered_.erase(0, length);
    r.ok = true;
    return r;
  }

 private:
  std::string name_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
  std::string error_;
  int reason_ = 0;
  std::string buffered_;
};

}  // namespace ink::edge::testing
