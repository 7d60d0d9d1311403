import LocMem
import RedisClient

/// Commands whose first arguments are cache keys, with the final keys (`makeKey`) written straight
/// into the command's buffer: no `String` per key, no array of arguments.
extension RedisCache {
    /// `name`, the final key of each of `keys`, then room for `extraArguments` more arguments of
    /// `extraBytes` encoded bytes (``RESPEncoding/bulkSize(_:)`` each), which the caller appends.
    ///
    /// Each key is validated as ``validatedKey(_:version:)`` does: with the default key function,
    /// a final key of at most 250 bytes with no space or control character cannot deserve a
    /// warning, and is written in place as `prefix:version:key`; any other key goes through
    /// `validatedKey`, which reports it.
    func encoder<Keys: Collection<String>>(
        _ name: String, keys: Keys, version: Int?, extraArguments: Int = 0, extraBytes: Int = 0
    ) -> RedisCommandEncoder {
        let version = version ?? configuration.version
        if configuration.usesDefaultKeyFunction {
            var prefix = configuration.keyPrefix
            let encoder = prefix.withUTF8 { prefix -> RedisCommandEncoder? in
                inPlaceEncoder(
                    name, keys: keys, prefix: prefix, version: version, extraArguments: extraArguments,
                    extraBytes: extraBytes)
            }
            if let encoder { return encoder }
        }
        let finalKeys = keys.map { validatedKey($0, version: version) }
        var size = extraBytes
        for key in finalKeys { size += RESPEncoding.bulkSize(key.utf8.count) }
        var encoder = RedisCommandEncoder(name, argumentCount: finalKeys.count + extraArguments, argumentBytes: size)
        for key in finalKeys { encoder.append(key) }
        return encoder
    }

    /// The encoder with the keys written as `prefix:version:key`, in one write; `nil` when one of
    /// them is not plainly portable (see ``encoder(_:keys:version:extraArguments:extraBytes:)``).
    private func inPlaceEncoder<Keys: Collection<String>>(
        _ name: String, keys: Keys, prefix: UnsafeBufferPointer<UInt8>, version: Int, extraArguments: Int,
        extraBytes: Int
    ) -> RedisCommandEncoder? {
        guard Self.isPortable(UnsafeRawBufferPointer(prefix)) else { return nil }
        let fixed = prefix.count + RESPEncoding.decimalLength(of: version) + 2
        var size = 0
        for var key in keys {
            let length = fixed + key.utf8.count
            guard length <= CacheKeyWarning.maximumKeyLength,
                key.withUTF8({ Self.isPortable(UnsafeRawBufferPointer($0)) })
            else { return nil }
            size += RESPEncoding.bulkSize(length)
        }
        var encoder = RedisCommandEncoder(
            name, argumentCount: keys.count + extraArguments, argumentBytes: size + extraBytes)
        encoder.appendEncoded(size: size) { base in
            var offset = 0
            for var key in keys {
                key.withUTF8 { key in
                    offset += RESPEncoding.writeBulkHeader(fixed + key.count, to: base + offset)
                    if let source = prefix.baseAddress {
                        (base + offset).copyMemory(from: source, byteCount: prefix.count)
                    }
                    offset += prefix.count
                    base.storeBytes(of: UInt8(ascii: ":"), toByteOffset: offset, as: UInt8.self)
                    offset += 1 + RESPEncoding.writeDecimal(version, to: base + offset + 1)
                    base.storeBytes(of: UInt8(ascii: ":"), toByteOffset: offset, as: UInt8.self)
                    offset += 1
                    if let source = key.baseAddress {
                        (base + offset).copyMemory(from: source, byteCount: key.count)
                    }
                    offset += key.count
                    RESPEncoding.writeCRLF(to: base + offset)
                    offset += 2
                }
            }
        }
        return encoder
    }

    /// Whether `bytes` has none of Django's `[\x00-\x20\x7f]` (bytes of multi-byte UTF-8
    /// sequences are all >= 0x80, so a byte scan finds exactly the offending scalars).
    @inline(__always)
    private static func isPortable(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for byte in bytes where byte <= 0x20 || byte == 0x7F { return false }
        return true
    }

    /// `name key`, or with the arguments that follow the key.
    func keyCommand(_ name: String, _ key: String, version: Int?, _ arguments: [RedisArgument] = []) -> RedisCommand {
        var size = 0
        for argument in arguments { size += argument.encodedSize }
        var encoder = encoder(
            name, keys: CollectionOfOne(key), version: version, extraArguments: arguments.count, extraBytes: size)
        for argument in arguments { encoder.append(argument) }
        return encoder.command
    }
}
