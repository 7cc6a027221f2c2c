public import Foundation
import HeraldProtos
public import SwiftProtobuf

/// The proto files a server can describe, indexed for gRPC reflection: by file name, and by every
/// fully qualified symbol a file declares (services, methods, messages, enums, extensions,
/// nested ones included), so a client can ask for the file behind `herald.v1.Producer.Publish`.
public struct ReflectionDescriptorIndex: Sendable {
    public enum IndexError: Error, Equatable, CustomStringConvertible {
        case notBase64
        case notAFileDescriptorSet(String)
        case missingDependency(file: String, dependency: String)

        public var description: String {
            switch self {
            case .notBase64:
                "the embedded descriptor set is not valid base64"
            case .notAFileDescriptorSet(let reason):
                "the embedded descriptor set is not a google.protobuf.FileDescriptorSet: \(reason)"
            case .missingDependency(let file, let dependency):
                "\(file) imports \(dependency), which the descriptor set does not contain"
            }
        }
    }

    private let files: [String: Google_Protobuf_FileDescriptorProto]
    private let serializedFiles: [String: Data]
    private let fileBySymbol: [String: String]

    /// - Parameter fileDescriptorSet: a serialized `google.protobuf.FileDescriptorSet` holding
    ///   every imported file too (`protoc --include_imports`).
    public init(fileDescriptorSet: Data) throws(IndexError) {
        let set: Google_Protobuf_FileDescriptorSet
        do {
            set = try Google_Protobuf_FileDescriptorSet(serializedBytes: fileDescriptorSet)
        } catch {
            throw IndexError.notAFileDescriptorSet("\(error)")
        }
        var files: [String: Google_Protobuf_FileDescriptorProto] = [:]
        var serializedFiles: [String: Data] = [:]
        var fileBySymbol: [String: String] = [:]
        for file in set.file {
            files[file.name] = file
            do {
                serializedFiles[file.name] = try file.serializedBytes()
            } catch {
                throw IndexError.notAFileDescriptorSet("\(file.name) does not serialize: \(error)")
            }
            for symbol in Self.symbols(declaredIn: file) { fileBySymbol[symbol] = file.name }
        }
        for file in set.file {
            for dependency in file.dependency where files[dependency] == nil {
                throw IndexError.missingDependency(file: file.name, dependency: dependency)
            }
        }
        self.files = files
        self.serializedFiles = serializedFiles
        self.fileBySymbol = fileBySymbol
    }

    /// - Parameter base64: the descriptor set as `dev/generate-protos.sh` embeds it (line breaks allowed).
    public init(base64: String) throws(IndexError) {
        guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
            throw IndexError.notBase64
        }
        try self.init(fileDescriptorSet: data)
    }

    /// Herald's own protos and their imports, as generated into `HeraldProtos`.
    public static func herald() throws(IndexError) -> ReflectionDescriptorIndex {
        try ReflectionDescriptorIndex(base64: HeraldProtoDescriptors.fileDescriptorSetBase64)
    }

    public var fileNames: [String] { files.keys.sorted() }

    /// Whether some file declares `symbol`, e.g. `herald.v1.Producer`.
    public func declares(_ symbol: String) -> Bool { fileBySymbol[symbol] != nil }

    /// The serialized file, followed by everything it imports, directly or not; nil when unknown.
    public func fileWithDependencies(named name: String) -> [Data]? {
        guard files[name] != nil else { return nil }
        var ordered: [String] = []
        var pending = [name]
        while let next = pending.popLast() {
            guard !ordered.contains(next), let file = files[next] else { continue }
            ordered.append(next)
            pending.append(contentsOf: file.dependency.reversed())
        }
        return ordered.compactMap { serializedFiles[$0] }
    }

    /// The file declaring `symbol` (with its dependencies); nil when no file declares it.
    public func fileContaining(symbol: String) -> [Data]? {
        fileBySymbol[symbol].flatMap(fileWithDependencies(named:))
    }

    static func symbols(declaredIn file: Google_Protobuf_FileDescriptorProto) -> [String] {
        let prefix = file.package.isEmpty ? "" : file.package + "."
        var symbols: [String] = []
        for service in file.service {
            symbols.append(prefix + service.name)
            symbols += service.method.map { prefix + service.name + "." + $0.name }
        }
        for message in file.messageType { symbols += self.symbols(of: message, prefix: prefix) }
        symbols += file.enumType.map { prefix + $0.name }
        symbols += file.extension.map { prefix + $0.name }
        return symbols
    }

    private static func symbols(of message: Google_Protobuf_DescriptorProto, prefix: String) -> [String] {
        let name = prefix + message.name
        var symbols = [name]
        for nested in message.nestedType { symbols += self.symbols(of: nested, prefix: name + ".") }
        symbols += message.enumType.map { name + "." + $0.name }
        symbols += message.extension.map { name + "." + $0.name }
        return symbols
    }
}
