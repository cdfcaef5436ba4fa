// Structured logging for controllers, through spdlog.
//
// A Logger carries key-value pairs (controller, namespace, name, reconcileID, ...) and
// writes them on every line, as text ("msg controller=web namespace=default") or as
// one JSON object per line ({"level":"info","ts":...,"msg":...,"controller":"web"}),
// chosen process-wide with SetLogFormat. Verbosity follows klog's -v: V(2).Info(...)
// prints only when SetLogVerbosity(>= 2).
//
//   req.log.Info("scaling", {{"from", "1"}, {"to", "3"}});
//   req.log.Error(status, "update failed");
//
// Thread-safety: Logger is an immutable value; all functions are thread-safe.
#ifndef KUBECPP_CONTROLLER_LOG_H_
#define KUBECPP_CONTROLLER_LOG_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kubecpp/core/status.h"

namespace kube::controller {

enum class LogFormat { kText, kJson };

// Process-wide settings. Defaults: kText, verbosity 0.
void SetLogFormat(LogFormat format);
LogFormat GetLogFormat();
void SetLogVerbosity(int verbosity);
int GetLogVerbosity();

using LogField = std::pair<std::string_view, std::string_view>;

class Logger {
 public:
  // A logger with `name` (the "logger" field; empty for none).
  explicit Logger(std::string name = "");

  // A copy that also writes `fields` on every line.
  Logger WithValues(std::initializer_list<LogField> fields) const;
  // A copy that prints only at verbosity >= `level`.
  Logger V(int level) const;
  bool enabled() const;

  void Info(std::string_view message, std::initializer_list<LogField> fields = {}) const;
  void Error(const Status& error, std::string_view message,
             std::initializer_list<LogField> fields = {}) const;

  // The line Info would write (without timestamp and level in text form); for tests.
  std::string Format(std::string_view level, std::string_view message,
                     std::initializer_list<LogField> fields) const;

 private:
  std::string name_;
  std::shared_ptr<const std::vector<std::pair<std::string, std::string>>> fields_;
  int level_ = 0;
};

}  // namespace kube::controller

#endif  // KUBECPP_CONTROLLER_LOG_H_
