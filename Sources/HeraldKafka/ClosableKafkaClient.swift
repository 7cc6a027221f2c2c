/// A client that holds librdkafka resources until it is closed.
protocol ClosableKafkaClient: Sendable {
    func close() async
}

extension KafkaAdmin: ClosableKafkaClient {}
extension KafkaConsumer: ClosableKafkaClient {}

/// Runs `body` with `client`, closing it when `body` returns or throws.
func closing<Client: ClosableKafkaClient, Result>(
    _ client: Client, _ body: (Client) async throws -> Result
) async throws -> Result {
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}
