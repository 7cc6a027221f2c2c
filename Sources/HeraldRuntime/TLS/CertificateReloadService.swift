public import Logging
public import ServiceLifecycle
import UnixSignals

/// Re-reads every listener certificate on SIGHUP, the usual signal after a certificate renewal;
/// listeners and open connections stay up. A failed reload is logged and the previous
/// certificate keeps serving.
public struct CertificateReloadService: Service {
    private let certificates: [ListenerCertificate]
    private let logger: Logger

    public init(certificates: [ListenerCertificate], logger: Logger) {
        self.certificates = certificates
        self.logger = logger
    }

    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            reloadAll()
        }
    }

    func reloadAll() {
        for certificate in certificates {
            do {
                try certificate.reload()
                logger.info("TLS certificate reloaded", metadata: ["tls.certificate": "\(certificate.certificateFile)"])
            } catch {
                logger.error("TLS certificate reload failed; the previous certificate keeps serving", metadata: [
                    "tls.certificate": "\(certificate.certificateFile)", "error": "\(error)",
                ])
            }
        }
    }
}
