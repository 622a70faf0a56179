#include "power/ipmi/sdr.hpp"

#include <fmt/format.h>

#include <array>
#include <memory>
#include <set>

namespace slumber::power::ipmi {
namespace {

constexpr unsigned kHeaderLength = 5;  // record id, SDR version, type, length
// Some BMCs refuse larger reads of a record; FreeIPMI reads 16 at a time too.
constexpr unsigned kChunk = 16;
constexpr std::uint16_t kLastRecord = 0xFFFF;

struct RawRecord {
    std::vector<std::uint8_t> bytes;
    std::uint16_t next = kLastRecord;
};

// Reads `count` bytes of one record at `offset`; the next record's id with them.
Result<std::uint16_t> read_part(const Session& session, std::uint16_t reservation, std::uint16_t id, unsigned offset,
                                unsigned count, std::vector<std::uint8_t>& into) {
    Response response(tmpl_cmd_get_sdr_rs);
    if (ipmi_cmd_get_sdr(session.ctx(), reservation, id, static_cast<std::uint8_t>(offset),
                         static_cast<std::uint8_t>(count), response.get()) < 0) {
        return std::unexpected(session.error(fmt::format("Get SDR {:#06x} failed", id)));
    }
    std::array<std::uint8_t, 256> data{};
    const int got = fiid_obj_get_data(response.get(), "record_data", data.data(), data.size());
    if (got != static_cast<int>(count)) {
        return fail(ErrorKind::protocol, fmt::format("SDR {:#06x}: asked for {} bytes, got {}", id, count, got));
    }
    into.insert(into.end(), data.begin(), data.begin() + got);
    auto next = response.field("next_record_id");
    if (!next) return std::unexpected(next.error());
    return static_cast<std::uint16_t>(*next);
}

Result<RawRecord> read_record(const Session& session, std::uint16_t reservation, std::uint16_t id) {
    RawRecord record;
    auto next = read_part(session, reservation, id, 0, kHeaderLength, record.bytes);
    if (!next) return std::unexpected(next.error());
    record.next = *next;
    const unsigned total = kHeaderLength + record.bytes[4];
    while (record.bytes.size() < total) {
        const auto offset = static_cast<unsigned>(record.bytes.size());
        const unsigned count = std::min(kChunk, total - offset);
        if (auto part = read_part(session, reservation, id, offset, count, record.bytes); !part) {
            return std::unexpected(part.error());
        }
    }
    return record;
}

struct SdrContext {
    ipmi_sdr_ctx_t sdr = ipmi_sdr_ctx_create();
    ipmi_sensor_read_ctx_t reader;
    explicit SdrContext(ipmi_ctx_t ctx) : reader(ipmi_sensor_read_ctx_create(ctx)) {}
    ~SdrContext() {
        if (sdr != nullptr) ipmi_sdr_ctx_destroy(sdr);
        if (reader != nullptr) ipmi_sensor_read_ctx_destroy(reader);
    }
    SdrContext(const SdrContext&) = delete;
    SdrContext& operator=(const SdrContext&) = delete;
};

// A threshold sensor's name, unit and current value; nothing for records
// that are not sensors or have no reading now.
std::optional<SensorReading> reading_of(SdrContext& context, const std::vector<std::uint8_t>& record) {
    const std::uint8_t type = record[3];
    if (type != IPMI_SDR_FORMAT_FULL_SENSOR_RECORD && type != IPMI_SDR_FORMAT_COMPACT_SENSOR_RECORD) return {};
    const auto length = static_cast<unsigned>(record.size());
    std::uint8_t reading_type = 0;
    if (ipmi_sdr_parse_event_reading_type_code(context.sdr, record.data(), length, &reading_type) < 0 ||
        reading_type != IPMI_EVENT_READING_TYPE_CODE_THRESHOLD) {
        return {};
    }
    std::array<char, IPMI_SDR_MAX_ID_STRING_LENGTH + 1> name{};
    if (ipmi_sdr_parse_id_string(context.sdr, record.data(), length, name.data(), name.size() - 1) < 0) return {};
    std::uint8_t percentage = 0, modifier = 0, rate = 0, base_unit = 0, modifier_unit = 0;
    if (ipmi_sdr_parse_sensor_units(context.sdr, record.data(), length, &percentage, &modifier, &rate, &base_unit,
                                    &modifier_unit) < 0) {
        return {};
    }
    std::uint8_t raw = 0;
    double* value = nullptr;
    std::uint16_t events = 0;
    if (ipmi_sensor_read(context.reader, record.data(), length, 0, &raw, &value, &events) <= 0 || value == nullptr) {
        return {};
    }
    const std::unique_ptr<double, decltype(&std::free)> owned(value, &std::free);
    SensorReading reading;
    reading.name = name.data();
    reading.value = *value;
    reading.unit = IPMI_SENSOR_UNIT_VALID(base_unit) ? ipmi_sensor_units_abbreviated[base_unit] : "";
    return reading;
}

}  // namespace

Result<std::vector<SensorReading>> read_sensors(const Session& session) {
    // Reservation 0 reads whole records on BMCs without reservations, and
    // the header-and-chunks reads below need one otherwise.
    std::uint16_t reservation = 0;
    if (Response reserved(tmpl_cmd_reserve_sdr_repository_rs);
        ipmi_cmd_reserve_sdr_repository(session.ctx(), reserved.get()) >= 0) {
        reservation = static_cast<std::uint16_t>(reserved.field("reservation_id").value_or(0));
    } else if (!session.command_unsupported()) {
        return std::unexpected(session.error("Reserve SDR Repository failed"));
    }

    SdrContext context(session.ctx());
    if (context.sdr == nullptr || context.reader == nullptr) {
        return fail(ErrorKind::internal, "cannot create FreeIPMI's SDR contexts");
    }
    std::vector<SensorReading> readings;
    std::set<std::uint16_t> seen;
    for (std::uint16_t id = 0; id != kLastRecord;) {
        if (!seen.insert(id).second || seen.size() > kMaxSdrRecords) {
            return fail(ErrorKind::protocol, fmt::format("the SDR repository loops at record {:#06x}", id));
        }
        auto record = read_record(session, reservation, id);
        if (!record) return std::unexpected(record.error());
        if (auto reading = reading_of(context, record->bytes)) readings.push_back(std::move(*reading));
        id = record->next;
    }
    return readings;
}

}  // namespace slumber::power::ipmi
