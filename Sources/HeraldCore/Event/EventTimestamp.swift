/// An instant with nanosecond precision, as `google.protobuf.Timestamp` carries it, written and read
/// as an RFC 3339 `date-time`.
///
/// Plain seconds + nanoseconds rather than `Date`: a `Double` cannot hold every nanosecond of today,
/// and the time a caller sent must reach the `ce_time` header unchanged.
public struct EventTimestamp: Hashable, Comparable, Sendable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSinceEpoch: Int64
    /// 0 ..< 1_000_000_000.
    public var nanoseconds: Int32

    public init(secondsSinceEpoch: Int64, nanoseconds: Int32 = 0) {
        self.secondsSinceEpoch = secondsSinceEpoch
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.secondsSinceEpoch, lhs.nanoseconds) < (rhs.secondsSinceEpoch, rhs.nanoseconds)
    }

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z: RFC 3339 years have four digits.
    public static let earliest = EventTimestamp(secondsSinceEpoch: -62_135_596_800)
    public static let latest = EventTimestamp(secondsSinceEpoch: 253_402_300_799, nanoseconds: 999_999_999)

    /// Whether the value can be written as RFC 3339 (year 1–9999, nanoseconds in range).
    public var isRepresentable: Bool {
        (0..<1_000_000_000).contains(nanoseconds) && self >= Self.earliest && self <= Self.latest
    }
}

extension EventTimestamp {
    /// RFC 3339 in UTC with `Z`, e.g. `2026-11-27T09:30:00.250Z`. Fractional seconds appear only when
    /// non-zero, with 3, 6 or 9 digits (as protobuf's JSON mapping writes them).
    /// Precondition: `isRepresentable`.
    public var rfc3339: String {
        precondition(isRepresentable, "timestamp \(secondsSinceEpoch)s \(nanoseconds)ns is outside RFC 3339's range")
        let days = Self.floorDivide(secondsSinceEpoch, 86_400)
        let secondOfDay = secondsSinceEpoch - days * 86_400
        let (year, month, day) = CivilDate.fromDays(days)
        var text = Self.digits(year, 4) + "-" + Self.digits(month, 2) + "-" + Self.digits(day, 2)
        text += "T" + Self.digits(secondOfDay / 3600, 2) + ":" + Self.digits(secondOfDay / 60 % 60, 2)
        text += ":" + Self.digits(secondOfDay % 60, 2)
        if nanoseconds != 0 {
            let nanos = Int64(nanoseconds)
            if nanos % 1_000_000 == 0 {
                text += "." + Self.digits(nanos / 1_000_000, 3)
            } else if nanos % 1_000 == 0 {
                text += "." + Self.digits(nanos / 1_000, 6)
            } else {
                text += "." + Self.digits(nanos, 9)
            }
        }
        return text + "Z"
    }

    /// Parses an RFC 3339 `date-time` (§5.6): any offset (normalised to UTC), `T`/`Z` in either case,
    /// a leap second `:60` rolls into the next minute, fraction digits past the ninth are truncated.
    public init?(rfc3339 text: String) {
        var scanner = Scanner(Array(text.utf8))
        guard let year = scanner.number(digits: 4), scanner.skip("-"),
              let month = scanner.number(digits: 2), scanner.skip("-"),
              let day = scanner.number(digits: 2), scanner.skip("T") || scanner.skip("t"),
              let hour = scanner.number(digits: 2), scanner.skip(":"),
              let minute = scanner.number(digits: 2), scanner.skip(":"),
              let second = scanner.number(digits: 2)
        else { return nil }
        guard (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second <= 60, year >= 1
        else { return nil }

        var nanos: Int64 = 0
        if scanner.skip(".") {
            var count = 0
            while let digit = scanner.digit() {
                if count < 9 { nanos = nanos * 10 + digit }
                count += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<max(count, 9) { nanos *= 10 }
        }

        var offsetSeconds: Int64 = 0
        if scanner.skip("Z") || scanner.skip("z") {
            offsetSeconds = 0
        } else {
            let sign: Int64
            if scanner.skip("+") { sign = 1 } else if scanner.skip("-") { sign = -1 } else { return nil }
            guard let offsetHour = scanner.number(digits: 2), scanner.skip(":"),
                  let offsetMinute = scanner.number(digits: 2), offsetHour < 24, offsetMinute < 60
            else { return nil }
            offsetSeconds = sign * (offsetHour * 3600 + offsetMinute * 60)
        }
        guard scanner.isAtEnd else { return nil }

        let days = CivilDate.days(year: year, month: month, day: day)
        self.init(
            secondsSinceEpoch: days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds,
            nanoseconds: Int32(nanos)
        )
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    private static func digits(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// Proleptic Gregorian calendar arithmetic on days since 1970-01-01 (the well-known era-based
/// conversion: 400-year eras of 146 097 days, years starting in March so leap days fall last).
enum CivilDate {
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func fromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A cursor over ASCII bytes for the fixed-width RFC 3339 grammar.
private struct Scanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index == bytes.count }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    mutating func digit() -> Int64? {
        guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { return nil }
        defer { index += 1 }
        return Int64(bytes[index] - UInt8(ascii: "0"))
    }

    mutating func number(digits count: Int) -> Int64? {
        var value: Int64 = 0
        for _ in 0..<count {
            guard let digit = digit() else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}
