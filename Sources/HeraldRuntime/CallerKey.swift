import HeraldCore

/// The API key id a call was authenticated with, so a handler can record who made an
/// administrative change (the audit log) without seeing the credentials. The gRPC interceptor
/// and the HTTP middleware that check keys bind it, with the rest of the key, through `CallerPrincipal.with`.
public enum CallerKey {
    /// nil outside an authenticated call (health checks, or a service run with authentication off).
    public static var id: String? { CallerPrincipal.current?.keyID }
}
