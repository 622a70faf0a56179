#include "service/doctor_json.hpp"

namespace slumber::service {

nlohmann::json to_json(const DoctorReport& report) {
    nlohmann::json findings = nlohmann::json::array();
    for (const Finding& finding : report.findings) {
        findings.push_back({
            {"severity", to_string(finding.severity())},
            {"check", to_string(finding.check)},
            {"what", finding.what},
            {"file", finding.file.empty() ? nlohmann::json(nullptr) : nlohmann::json(finding.file.string())},
            {"line", finding.line},
            {"fix", finding.fix},
            {"paste", finding.paste.empty() ? nlohmann::json(nullptr) : nlohmann::json(finding.paste)},
            {"nodes", finding.nodes},
        });
    }
    nlohmann::json out = {
        {"config", report.config_file.string()},
        {"slurm_conf",
         report.slurm_conf.empty() ? nlohmann::json(nullptr) : nlohmann::json(report.slurm_conf.string())},
        {"errors", report.count(Severity::error)},
        {"warnings", report.count(Severity::warning)},
        {"advice", report.count(Severity::advice)},
        {"findings", std::move(findings)},
    };
    if (report.verified) out["verified"] = *report.verified;
    return out;
}

}  // namespace slumber::service
