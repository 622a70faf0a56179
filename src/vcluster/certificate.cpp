#include "vcluster/certificate.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <cstdio>
#include <memory>

namespace slumber::vcluster {
namespace {

template <auto Free>
struct Deleter {
    template <typename T>
    void operator()(T* pointer) const {
        Free(pointer);
    }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509_free>>;
using File = std::unique_ptr<FILE, Deleter<std::fclose>>;

std::string openssl_error(std::string_view what) {
    char text[256] = {};
    ERR_error_string_n(ERR_get_error(), text, sizeof text);
    return fmt::format("{}: {}", what, text);
}

bool is_ip(const std::string& name) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, name.c_str(), buffer) == 1 || inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

// Adds one v3 extension given in OpenSSL's configuration syntax.
bool add_extension(X509* certificate, int nid, const std::string& value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    if (extension == nullptr) return false;
    const bool added = X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return added;
}

}  // namespace

std::expected<void, std::string> make_self_signed(const std::filesystem::path& certificate_path,
                                                  const std::filesystem::path& key_path,
                                                  const std::vector<std::string>& names) {
    if (names.empty()) return std::unexpected("a certificate needs at least one name");
    const Key key(EVP_EC_gen("P-256"));
    if (!key) return std::unexpected(openssl_error("cannot make a key"));
    const Certificate certificate(X509_new());
    X509* cert = certificate.get();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(std::time(nullptr)));
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600);
    X509_set_pubkey(cert, key.get());
    X509_NAME* subject = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("slumber virtual BMC"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(names.front().c_str()), -1, -1, 0);
    X509_set_issuer_name(cert, subject);
    std::string alt_names;
    for (const std::string& name : names) {
        alt_names += fmt::format("{}{}:{}", alt_names.empty() ? "" : ",", is_ip(name) ? "IP" : "DNS", name);
    }
    // Self-signed and its own authority, so that trusting the file trusts it.
    if (!add_extension(cert, NID_basic_constraints, "critical,CA:TRUE") ||
        !add_extension(cert, NID_key_usage, "critical,digitalSignature,keyCertSign") ||
        !add_extension(cert, NID_subject_alt_name, alt_names) ||
        !add_extension(cert, NID_subject_key_identifier, "hash")) {
        return std::unexpected(openssl_error("cannot describe the certificate"));
    }
    if (X509_sign(cert, key.get(), EVP_sha256()) == 0) return std::unexpected(openssl_error("cannot sign"));

    const mode_t old_mask = ::umask(077);
    const File key_file(std::fopen(key_path.c_str(), "w"));
    ::umask(old_mask);
    if (!key_file || PEM_write_PrivateKey(key_file.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return std::unexpected(fmt::format("cannot write the key to {}", key_path.string()));
    }
    const File cert_file(std::fopen(certificate_path.c_str(), "w"));
    if (!cert_file || PEM_write_X509(cert_file.get(), cert) != 1) {
        return std::unexpected(fmt::format("cannot write the certificate to {}", certificate_path.string()));
    }
    return {};
}

}  // namespace slumber::vcluster
