import Foundation
import SwiftProtobuf
public import HeraldProtos

/// Answers one gRPC reflection request from what a server serves and the files describing it.
/// Pure: the streaming service only feeds it requests and writes back what it returns.
public struct ReflectionResponder: Sendable {
    /// Fully qualified names of the services the server answers, listed in order.
    public let serviceNames: [String]
    private let index: Result<ReflectionDescriptorIndex, ReflectionDescriptorIndex.IndexError>

    public init(serviceNames: [String], index: Result<ReflectionDescriptorIndex, ReflectionDescriptorIndex.IndexError>) {
        self.serviceNames = serviceNames.sorted()
        self.index = index
    }

    public func response(to request: Grpc_Reflection_V1_ServerReflectionRequest) -> Grpc_Reflection_V1_ServerReflectionResponse {
        var response = Grpc_Reflection_V1_ServerReflectionResponse()
        response.validHost = request.host
        response.originalRequest = request
        switch request.messageRequest {
        case .listServices:
            response.listServicesResponse = .with { list in
                list.service = serviceNames.map { name in .with { $0.name = name } }
            }
        case .fileByFilename(let name):
            response.messageResponse = withIndex { index in
                Self.files(index.fileWithDependencies(named: name), notFound: "no file named '\(name)'")
            }
        case .fileContainingSymbol(let symbol):
            response.messageResponse = withIndex { index in
                Self.files(index.fileContaining(symbol: symbol), notFound: "no file declares the symbol '\(symbol)'")
            }
        case .fileContainingExtension(let extensionRequest):
            // Herald's protos are proto3 and declare no extensions.
            response.errorResponse = Self.error(
                .notFound, "no extension \(extensionRequest.extensionNumber) of '\(extensionRequest.containingType)'")
        case .allExtensionNumbersOfType(let type):
            response.messageResponse = withIndex { index in
                guard index.declares(type) else { return .errorResponse(Self.error(.notFound, "no type named '\(type)'")) }
                return .allExtensionNumbersResponse(.with { $0.baseTypeName = type })
            }
        case nil:
            response.errorResponse = Self.error(.invalidArgument, "the request sets none of the reflection questions")
        }
        return response
    }

    private typealias Answer = Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse

    /// `answer` from the index, or INTERNAL naming why the embedded descriptors could not be read.
    private func withIndex(_ answer: (ReflectionDescriptorIndex) -> Answer) -> Answer {
        switch index {
        case .failure(let error): .errorResponse(Self.error(.internalError, error.description))
        case .success(let index): answer(index)
        }
    }

    private static func files(_ files: [Data]?, notFound: String) -> Answer {
        guard let files else { return .errorResponse(error(.notFound, notFound)) }
        return .fileDescriptorResponse(.with { $0.fileDescriptorProto = files })
    }

    /// gRPC status codes as `grpc.reflection.v1.ErrorResponse` carries them.
    enum Code: Int32 {
        case invalidArgument = 3
        case notFound = 5
        case internalError = 13
    }

    static func error(_ code: Code, _ message: String) -> Grpc_Reflection_V1_ErrorResponse {
        .with {
            $0.errorCode = code.rawValue
            $0.errorMessage = message
        }
    }
}
