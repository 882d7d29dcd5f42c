#include "tools/camsim/rtsp_response.hpp"

namespace camfleet::camsim {

rtsp_response& rtsp_response::add(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::string rtsp_response::serialize() const {
  std::string out = "RTSP/1.0 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
  for (const auto& [name, value] : headers)
    out += name + ": " + value + "\r\n";
  if (!body.empty())
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

const char* reason_phrase(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 406:
    return "Not Acceptable";
  case 453:
    return "Not Enough Bandwidth";
  case 454:
    return "Session Not Found";
  case 455:
    return "Method Not Valid in This State";
  case 459:
    return "Aggregate Operation Not Allowed";
  case 461:
    return "Unsupported Transport";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 505:
    return "RTSP Version Not Supported";
  default:
    return "Unknown";
  }
}

rtsp_response make_response(int status, std::optional<std::string_view> cseq) {
  rtsp_response response;
  response.status = status;
  if (cseq)
    response.add("CSeq", std::string{*cseq});
  return response;
}

} // namespace camfleet::camsim
