import Foundation

/// Two schema versions side by side, line against line: each schema pretty-printed the same way
/// (so formatting never shows as a change), then aligned by their longest common subsequence.
public struct SchemaDiff: Sendable, Equatable {
    public enum Change: String, Sendable {
        case same, removed, added
    }

    /// One row of the side-by-side view: a line of the left version, of the right, or both.
    public struct Row: Sendable, Equatable {
        public let change: Change
        public let left: String?
        public let right: String?
    }

    public let rows: [Row]

    public var changed: Bool { rows.contains { $0.change != .same } }

    public init(left: String, right: String) {
        rows = Self.align(Self.lines(left), Self.lines(right))
    }

    /// A JSON schema as indented lines with sorted keys; any other text as its own lines.
    static func lines(_ schema: String) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(schema.utf8), options: [.fragmentsAllowed]),
              let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed])
        else { return schema.components(separatedBy: "\n") }
        return String(decoding: pretty, as: UTF8.self).components(separatedBy: "\n")
    }

    static func align(_ left: [String], _ right: [String]) -> [Row] {
        // common[i][j]: the longest common subsequence of left[i...] and right[j...].
        var common = Array(repeating: Array(repeating: 0, count: right.count + 1), count: left.count + 1)
        for i in stride(from: left.count - 1, through: 0, by: -1) {
            for j in stride(from: right.count - 1, through: 0, by: -1) {
                common[i][j] = left[i] == right[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
            }
        }
        var rows: [Row] = []
        var i = 0, j = 0
        while i < left.count || j < right.count {
            if i < left.count, j < right.count, left[i] == right[j] {
                rows.append(Row(change: .same, left: left[i], right: right[j]))
                i += 1
                j += 1
            } else if j < right.count, i == left.count || common[i][j + 1] >= common[i + 1][j] {
                rows.append(Row(change: .added, left: nil, right: right[j]))
                j += 1
            } else {
                rows.append(Row(change: .removed, left: left[i], right: nil))
                i += 1
            }
        }
        return rows
    }
}
