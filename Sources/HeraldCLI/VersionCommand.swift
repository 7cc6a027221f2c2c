import ArgumentParser
internal import CAvro
internal import CRdKafka
import Foundation

/// Prints Herald's version and the versions of the C libraries actually loaded, which proves
/// that both link and load on this machine.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print Herald's version and the loaded librdkafka and Avro C libraries."
    )

    func run() throws {
        print("herald     \(HeraldVersion.current)")
        print("librdkafka \(String(cString: rd_kafka_version_str()))")
        print("avro-c     \(try LoadedAvroLibrary.describe())")
    }
}

/// Avro C has no version function: name the shared object the process loaded, and show it works
/// by parsing a schema with it.
enum LoadedAvroLibrary {
    struct NotLoaded: Error, CustomStringConvertible {
        let description: String
    }

    static func describe() throws -> String {
        var schema: avro_schema_t?
        guard avro_schema_from_json_length("\"string\"", 8, &schema) == 0, let schema else {
            throw NotLoaded(description: "Avro C could not parse a schema: \(String(cString: avro_strerror()))")
        }
        avro_schema_decref(schema)

        // The dynamic loader's view of this process names the exact file it mapped.
        let maps = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/maps")).readToEnd()).map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard let line = maps.split(separator: "\n").first(where: { $0.contains("/libavro.so") }),
              let path = line.split(separator: " ", omittingEmptySubsequences: true).last
        else {
            return "linked statically (no shared libavro mapped)"
        }
        return "\(path.split(separator: "/").last ?? path) (\(path))"
    }
}
