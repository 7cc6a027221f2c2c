public import HeraldCore
public import HeraldProtos

extension RouteRule {
    /// The matcher's view of a stored route.
    public init(_ route: Herald_V1_Route) {
        self.init(
            id: route.id,
            types: route.filter.types,
            sources: route.filter.sources,
            subjectPrefix: route.filter.subjectPrefix,
            extensions: route.filter.extensions,
            endpointIDs: route.endpointIds,
            enabled: route.enabled)
    }
}
