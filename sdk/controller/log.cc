#include "kubecpp/controller/log.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>

namespace kube::controller {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::atomic<int> g_verbosity{0};

bool NeedsQuoting(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t') return true;
  }
  return false;
}

void AppendTextField(std::string* out, std::string_view key, std::string_view value) {
  out->push_back(' ');
  out->append(key);
  out->push_back('=');
  if (NeedsQuoting(value)) {
    out->append(nlohmann::json(std::string(value)).dump());
  } else {
    out->append(value);
  }
}

}  // namespace

void SetLogFormat(LogFormat format) {
  g_format = format;
  // JSON lines carry their own timestamp and level.
  spdlog::set_pattern(format == LogFormat::kJson ? "%v" : "%+");
}
LogFormat GetLogFormat() { return g_format.load(); }
void SetLogVerbosity(int verbosity) { g_verbosity = verbosity; }
int GetLogVerbosity() { return g_verbosity.load(); }

Logger::Logger(std::string name) : name_(std::move(name)) {}

Logger Logger::WithValues(std::initializer_list<LogField> fields) const {
  Logger out = *this;
  auto merged = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
  if (fields_) *merged = *fields_;
  for (const auto& [k, v] : fields) merged->emplace_back(k, v);
  out.fields_ = std::move(merged);
  return out;
}

Logger Logger::V(int level) const {
  Logger out = *this;
  out.level_ = level;
  return out;
}

bool Logger::enabled() const { return level_ <= g_verbosity.load(); }

std::string Logger::Format(std::string_view level, std::string_view message,
                           std::initializer_list<LogField> fields) const {
  if (g_format.load() == LogFormat::kJson) {
    nlohmann::ordered_json j;
    j["level"] = std::string(level);
    j["ts"] =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (!name_.empty()) j["logger"] = name_;
    j["msg"] = std::string(message);
    if (fields_) {
      for (const auto& [k, v] : *fields_) j[k] = v;
    }
    for (const auto& [k, v] : fields) j[std::string(k)] = std::string(v);
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string out;
  if (!name_.empty()) {
    out.append(name_);
    out.append(": ");
  }
  out.append(message);
  if (fields_) {
    for (const auto& [k, v] : *fields_) AppendTextField(&out, k, v);
  }
  for (const auto& [k, v] : fields) AppendTextField(&out, k, v);
  return out;
}

void Logger::Info(std::string_view message, std::initializer_list<LogField> fields) const {
  if (!enabled()) return;
  spdlog::info("{}", Format("info", message, fields));
}

void Logger::Error(const Status& error, std::string_view message,
                   std::initializer_list<LogField> fields) const {
  std::string text = error.ToString();
  Logger with_error = WithValues({{"error", text}});
  spdlog::error("{}", with_error.Format("error", message, fields));
}

}  // namespace kube::controller
