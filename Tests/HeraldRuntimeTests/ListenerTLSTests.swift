import AsyncHTTPClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldProtos
@testable import HeraldRuntime
import HeraldTestSupport
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import SwiftProtobuf
import Testing

/// TLS on the gRPC and HTTP listeners, over real sockets with certificates made for the test:
/// who gets through (a client trusting the right CA, with a certificate when one is required)
/// and who does not (plaintext, a wrong CA, no client certificate), and reloading on SIGHUP.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ListenerTLSTests {
    let logger = Logger(label: "test.listener-tls")

    /// Both listeners with `certificate` on free ports, for the length of `body`; with
    /// `reloadingOnSIGHUP`, the reload service too (only one test has it, so the process has a
    /// single SIGHUP trap at a time).
    func withListeners(
        _ certificate: ListenerCertificate, reloadingOnSIGHUP: Bool = false, _ body: (_ grpcPort: Int, _ httpPort: Int) async throws -> Void
    ) async throws {
        let health = HealthStatus(services: ["herald.v1.Test"])
        let grpc = try GRPCServerService(host: "127.0.0.1", port: 0, tls: certificate, services: [HealthService(status: health)],
            authentication: .off, access: .standard, logger: logger)
        let (http, httpPort) = try HeraldHTTP.application(
            router: HeraldHTTP.router(health: health), host: "127.0.0.1", port: 0, serverName: "test", tls: certificate, logger: logger)
        let reloader = CertificateReloadService(certificates: [certificate], logger: logger)
        let group = ServiceGroup(services: reloadingOnSIGHUP ? [grpc, http, reloader] : [grpc, http], logger: logger)
        try await whileRunning(group) {
            let grpcPort = try await grpc.boundPort()
            let port = await httpPort.value
            try await body(grpcPort, port)
        }
    }

    /// A health check over gRPC; throws when the connection or handshake fails.
    func grpcCheck(port: Int, security: HTTP2ClientTransport.Posix.TransportSecurity) async throws {
        try await withGRPCClient(transport: .http2NIOPosix(
            target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: security,
            config: .defaults { $0.backoff = .init(initial: .milliseconds(50), max: .milliseconds(50), multiplier: 1, jitter: 0) })
        ) { client in
            var options = CallOptions.defaults
            options.timeout = .seconds(5)
            _ = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "" }, options: options)
        }
    }

    func trusting(_ ca: String, certificate: TestCertificates? = nil) -> HTTP2ClientTransport.Posix.TransportSecurity {
        guard let certificate else {
            return .tls { $0.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
        }
        return .mTLS(certificateChain: [.file(path: certificate.clientCertificateFile, format: .pem)],
                     privateKey: .file(path: certificate.clientKeyFile, format: .pem)) { $0.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
    }

    /// `GET /healthz` over HTTPS; the status code, or a thrown error when the handshake fails.
    func httpsStatus(port: Int, trusting ca: String, certificate: TestCertificates? = nil) async throws -> UInt {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(ca)
        if let certificate {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate.clientCertificateFile).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificate.clientKeyFile, format: .pem))
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            let status = try await client.get(url: "https://127.0.0.1:\(port)/healthz").get().status.code
            try await client.shutdown()
            return status
        } catch {
            try await client.shutdown()
            throw error
        }
    }

    @Test func onlyClientsTrustingTheCAGetThrough() async throws {
        let certificates = try TestCertificates.make()
        let stranger = try TestCertificates.make()
        defer { certificates.remove(); stranger.remove() }
        let certificate = try ListenerCertificate(certificateFile: certificates.serverCertificateFile, keyFile: certificates.serverKeyFile)
        try await withListeners(certificate) { grpcPort, httpPort in
            try await grpcCheck(port: grpcPort, security: trusting(certificates.caFile))
            #expect(try await httpsStatus(port: httpPort, trusting: certificates.caFile) == 503)

            await #expect(throws: (any Error).self) { try await grpcCheck(port: grpcPort, security: .plaintext) }
            await #expect(throws: (any Error).self) { try await HTTPClient.shared.get(url: "http://127.0.0.1:\(httpPort)/healthz").get() }
            await #expect(throws: (any Error).self) { try await grpcCheck(port: grpcPort, security: trusting(stranger.caFile)) }
            await #expect(throws: (any Error).self) { try await httpsStatus(port: httpPort, trusting: stranger.caFile) }
        }
    }

    @Test func aClientCAMakesAClientCertificateRequired() async throws {
        let certificates = try TestCertificates.make()
        let stranger = try TestCertificates.make()
        defer { certificates.remove(); stranger.remove() }
        let certificate = try ListenerCertificate(
            certificateFile: certificates.serverCertificateFile, keyFile: certificates.serverKeyFile, clientCAFile: certificates.caFile)
        try await withListeners(certificate) { grpcPort, httpPort in
            try await grpcCheck(port: grpcPort, security: trusting(certificates.caFile, certificate: certificates))
            #expect(try await httpsStatus(port: httpPort, trusting: certificates.caFile, certificate: certificates) == 503)

            await #expect(throws: (any Error).self) { try await grpcCheck(port: grpcPort, security: trusting(certificates.caFile)) }
            await #expect(throws: (any Error).self) { try await httpsStatus(port: httpPort, trusting: certificates.caFile) }
            // A client certificate from another CA is no better than none.
            await #expect(throws: (any Error).self) { try await grpcCheck(port: grpcPort, security: trusting(certificates.caFile, certificate: stranger)) }
            await #expect(throws: (any Error).self) { try await httpsStatus(port: httpPort, trusting: certificates.caFile, certificate: stranger) }
        }
    }

    @Test func sighupServesTheRenewedCertificateOnTheSameListener() async throws {
        let first = try TestCertificates.make()
        let renewed = try TestCertificates.make()
        let live = try TestCertificates.make()
        defer { first.remove(); renewed.remove(); live.remove() }
        func install(_ source: TestCertificates) throws {
            for (from, to) in [(source.serverCertificateFile, live.serverCertificateFile), (source.serverKeyFile, live.serverKeyFile)] {
                try FileManager.default.removeItem(atPath: to)
                try FileManager.default.copyItem(atPath: from, toPath: to)
            }
        }
        try install(first)
        let certificate = try ListenerCertificate(certificateFile: live.serverCertificateFile, keyFile: live.serverKeyFile)
        // What the reload service does on SIGHUP is what `signal(SIGHUP, SIG_IGN)` lets through to
        // its dispatch source; ignoring it first keeps the test process alive if the trap is not up yet.
        signal(SIGHUP, SIG_IGN)
        try await withListeners(certificate, reloadingOnSIGHUP: true) { grpcPort, httpPort in
            try await grpcCheck(port: grpcPort, security: trusting(first.caFile))

            try install(renewed)
            var reloaded = false
            for _ in 0..<100 where !reloaded {
                kill(getpid(), SIGHUP)
                reloaded = (try? await httpsStatus(port: httpPort, trusting: renewed.caFile)) != nil
            }
            #expect(reloaded)
            try await grpcCheck(port: grpcPort, security: trusting(renewed.caFile))
            await #expect(throws: (any Error).self) { try await grpcCheck(port: grpcPort, security: trusting(first.caFile)) }

            // Files that do not belong together are refused and the renewed pair keeps serving.
            try FileManager.default.removeItem(atPath: live.serverKeyFile)
            try FileManager.default.copyItem(atPath: first.serverKeyFile, toPath: live.serverKeyFile)
            #expect(throws: ListenerCertificate.Invalid.self) { try certificate.reload() }
            try await grpcCheck(port: grpcPort, security: trusting(renewed.caFile))
        }
    }

    @Test func aKeyThatDoesNotMatchItsCertificateIsRefusedAtStart() throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let error = #expect(throws: ListenerCertificate.Invalid.self) {
            try ListenerCertificate(certificateFile: certificates.serverCertificateFile, keyFile: certificates.clientKeyFile)
        }
        #expect(error?.description.contains("does not match the certificate") == true)
    }
}
