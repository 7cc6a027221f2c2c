public import HeraldAvro

/// The schemas the value targets decode against, picked by an input's first byte: between them
/// every Avro type, logical types, nesting, a recursive record and unions.
public enum FuzzSchemas {
    public static let texts: [String] = [
        #"""
        {"type": "record", "name": "Order", "namespace": "shop", "fields": [
          {"name": "id", "type": "string"},
          {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
          {"name": "placed", "type": {"type": "long", "logicalType": "timestamp-millis"}},
          {"name": "day", "type": {"type": "int", "logicalType": "date"}},
          {"name": "customer", "type": {"type": "string", "logicalType": "uuid"}},
          {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
            {"name": "sku", "type": "string"}, {"name": "quantity", "type": "int"}, {"name": "price", "type": "double"}]}}},
          {"name": "tags", "type": {"type": "map", "values": "string"}},
          {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID", "SHIPPED"]}},
          {"name": "note", "type": ["null", "string"], "default": null},
          {"name": "digest", "type": {"type": "fixed", "name": "Digest", "size": 4}},
          {"name": "flags", "type": ["boolean", "float", "long", "bytes"]}
        ]}
        """#,
        #"""
        {"type": "record", "name": "Node", "fields": [
          {"name": "label", "type": "string"},
          {"name": "children", "type": {"type": "array", "items": "Node"}},
          {"name": "next", "type": ["null", "Node"]}
        ]}
        """#,
        #"{"type": "map", "values": {"type": "array", "items": ["null", "int", "string", {"type": "map", "values": "double"}]}}"#,
        #"""
        {"type": "record", "name": "Empty", "fields": [
          {"name": "a", "type": {"type": "record", "name": "Nothing", "fields": []}},
          {"name": "b", "type": "Nothing"},
          {"name": "c", "type": {"type": "array", "items": "null"}},
          {"name": "d", "type": {"type": "fixed", "name": "Zero", "size": 0}}
        ]}
        """#,
    ]

    public static let schemas: [AvroSchema] = texts.map { text in
        do {
            return try AvroSchema(parsing: text)
        } catch {
            fatalError("fuzz schema does not parse: \(error)")
        }
    }

    /// The schema an input's selector byte names.
    public static func schema(for selector: UInt8) -> AvroSchema {
        schemas[Int(selector) % schemas.count]
    }
}
