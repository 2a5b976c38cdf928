package org.cortado.weights;

import java.util.HexFormat;
import java.util.Locale;

/**
 * An expected digest of a file.
 *
 * @param algorithm a {@link java.security.MessageDigest} name ("SHA-1")
 * @param hex       the digest in hexadecimal (either case)
 */
public record Checksum(String algorithm, String hex) {
    public Checksum {
        hex = hex.toLowerCase(Locale.ROOT);
        try {
            HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("checksum '" + hex + "' is not hexadecimal", e);
        }
    }

    @Override
    public String toString() {
        return algorithm + " " + hex;
    }
}
