// Units of the web pages' side of the admin interface: login sessions,
// the Cookie header, and the files compiled in.

#include "fleet/web_assets.hpp"
#include "fleet/web_login.hpp"
#include "fleet/web_sessions.hpp"

#include <set>
#include <string>

#include <catch2/catch.hpp>

using namespace camfleet;

namespace {

// A clock the tests move by hand.
web_sessions::clock::time_point fake_now;
web_sessions::clock::time_point read_fake_now() {
  return fake_now;
}

} // namespace

TEST_CASE("web sessions: a login is valid until it expires, closes or is evicted", "[admin]") {
  fake_now = web_sessions::clock::time_point{} + std::chrono::hours{1};
  web_sessions sessions{std::chrono::seconds{60}, 2};
  sessions.set_clock_for_test(&read_fake_now);

  SECTION("every session is 64 hex digits, and no two are alike") {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
      auto id = sessions.open();
      CHECK(id.size() == 64);
      CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
      CHECK(seen.insert(id).second);
    }
  }
  SECTION("valid within its lifetime, refused from its end on") {
    auto id = sessions.open();
    fake_now += std::chrono::seconds{59};
    CHECK(sessions.valid(id));
    fake_now += std::chrono::seconds{1};
    CHECK_FALSE(sessions.valid(id));
  }
  SECTION("closed by a logout") {
    auto id = sessions.open();
    sessions.close(id);
    CHECK_FALSE(sessions.valid(id));
  }
  SECTION("past the capacity the oldest login goes") {
    auto first = sessions.open();
    auto second = sessions.open();
    auto third = sessions.open();
    CHECK_FALSE(sessions.valid(first));
    CHECK(sessions.valid(second));
    CHECK(sessions.valid(third));
  }
  SECTION("nothing else is a session: empty, a prefix, a made-up value") {
    auto id = sessions.open();
    CHECK_FALSE(sessions.valid(""));
    CHECK_FALSE(sessions.valid(id.substr(0, 63)));
    CHECK_FALSE(sessions.valid(id + "0"));
    CHECK_FALSE(sessions.valid(std::string(64, 'a')));
  }
}

TEST_CASE("web login: the session cookie is found among others in a Cookie header", "[admin]") {
  CHECK(cookie_value("camfleet_session=abc", "camfleet_session") == "abc");
  CHECK(cookie_value("theme=dark; camfleet_session=abc; x=1", "camfleet_session") == "abc");
  CHECK(cookie_value("theme=dark;camfleet_session=abc ", "camfleet_session") == "abc");
  CHECK(cookie_value("xcamfleet_session=abc", "camfleet_session").empty());
  CHECK(cookie_value("camfleet_sessionx=abc", "camfleet_session").empty());
  CHECK(cookie_value("camfleet_session", "camfleet_session").empty());
  CHECK(cookie_value("", "camfleet_session").empty());
}

TEST_CASE("web pages: every file is compiled in with its type and a quoted ETag", "[admin]") {
  for (const char* name : {"fleet.html", "camera.html", "style.css", "common.js", "fleet.js",
                           "camera.js", "icon.svg"}) {
    INFO(name);
    const auto* asset = find_web_asset(name);
    REQUIRE(asset != nullptr);
    CHECK(asset->size > 100);
    CHECK(std::string{asset->etag}.size() == 18);
    CHECK(asset->etag[0] == '"');
  }
  CHECK(std::string{find_web_asset("fleet.html")->content_type} == "text/html; charset=utf-8");
  CHECK(std::string{find_web_asset("fleet.js")->content_type} == "text/javascript; charset=utf-8");
  CHECK(find_web_asset("../fleet.html") == nullptr);
  CHECK(find_web_asset("") == nullptr);
  // The generated array ends each file with a NUL that is not part of it.
  const auto* page = find_web_asset("fleet.html");
  CHECK(std::string(reinterpret_cast<const char*>(page->data), page->size).rfind("</html>\n") ==
        page->size - 8);
}
