#include "tools/camsim/auth.hpp"

#include <catch2/catch.hpp>

using namespace camfleet::camsim;

TEST_CASE("unit: md5_hex matches the RFC 1321 test suite", "[camsim]") {
  CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
}

TEST_CASE("unit: Digest verification accepts RFC 2617's worked example", "[camsim]") {
  // RFC 2617, section 3.5.
  const std::string authorization =
      R"(Digest username="Mufasa", realm="testrealm@host.com", )"
      R"(nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, )"
      R"(nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", )"
      R"(opaque="5ccc069c403ebaf9f0171e9517f40e41")";
  digest_context context{"GET", "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                         "Mufasa", "Circle Of Life"};
  CHECK(verify_digest(authorization, context));

  SECTION("a wrong password fails") {
    context.password = "Circle of Life";
    CHECK_FALSE(verify_digest(authorization, context));
  }
  SECTION("another method fails") {
    context.method = "POST";
    CHECK_FALSE(verify_digest(authorization, context));
  }
  SECTION("an answer to another nonce fails") {
    context.nonce = "0000000000000000000000000000000000";
    CHECK_FALSE(verify_digest(authorization, context));
  }
  SECTION("another realm fails") {
    context.realm = tplink_realm;
    CHECK_FALSE(verify_digest(authorization, context));
  }
}

TEST_CASE("unit: Digest verification accepts a response without qop", "[camsim]") {
  // As FFmpeg answers a challenge that offers no qop (Tapo's); the expected
  // response was computed independently with Python's hashlib.
  const std::string authorization =
      R"(Digest username="camsim", realm="TP-Link IP-Camera", nonce="0a1b2c3d", )"
      R"(uri="rtsp://127.0.0.1:554/stream1", response="de18c025be7359ea94f7814490276ee9")";
  digest_context context{"DESCRIBE", tplink_realm, "0a1b2c3d", "camsim", "secret"};
  CHECK(verify_digest(authorization, context));
  SECTION("another user fails") {
    context.username = "admin";
    CHECK_FALSE(verify_digest(authorization, context));
  }
  SECTION("Basic credentials are not Digest") {
    CHECK_FALSE(verify_digest("Basic Y2Ftc2ltOnNlY3JldA==", context));
  }
  SECTION("an unknown algorithm fails") {
    CHECK_FALSE(verify_digest(authorization + R"(, algorithm="SHA-256")", context));
  }
}

TEST_CASE("unit: Basic verification decodes user and password", "[camsim]") {
  // RFC 7617's example.
  CHECK(verify_basic("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame"));
  CHECK_FALSE(verify_basic("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesamE"));
  CHECK_FALSE(verify_basic("Basic !!!notbase64", "Aladdin", "open sesame"));
  CHECK_FALSE(verify_basic("Digest username=\"Aladdin\"", "Aladdin", "open sesame"));
}

TEST_CASE("unit: challenges name TP-Link's realm", "[camsim]") {
  CHECK(basic_challenge(tplink_realm) == R"(Basic realm="TP-Link IP-Camera")");
  auto params = parse_auth_params(digest_challenge(tplink_realm, "abc").substr(7));
  CHECK(params["realm"] == "TP-Link IP-Camera");
  CHECK(params["nonce"] == "abc");
  CHECK(params["algorithm"] == "MD5");
}
