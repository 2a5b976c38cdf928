package org.cortado.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.cortado.caffe.proto.Caffe.Datum;
import org.cortado.image.BgrImage;
import org.cortado.image.ImageDecodeException;
import org.cortado.image.ImageDecoder;
import org.cortado.image.Resize;
import org.agrona.DirectBuffer;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.DirectBufferProxy;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

/**
 * Writes an LMDB of Caffe {@code Datum}s as Caffe's {@code convert_imageset} does: one record per image, in the order
 * given, under the key {@code %08d_NAME} (the image's position and its name, the path as the list gives it), either
 * the file's bytes ({@code --encoded}) or its decoded pixels, resized to a fixed size when asked (raw, planar BGR).
 * An image that does not decode is left out with its reason, as convert_imageset logs and skips it. The database is
 * made in a temporary folder beside {@code out} and renamed into place when complete, so {@code out} never holds a
 * partial one; an existing {@code out} is refused, and so is a set none of whose images could be stored.
 */
public final class LmdbImageWriter {
    /**
     * The map's size: address space only, the file grows with what is written. 1 TB, as convert_imageset's
     * {@code LMDB_MAP_SIZE}.
     */
    private static final long MAP_SIZE = 1L << 40;
    /** Records per write transaction. */
    private static final int RECORDS_PER_TXN = 256;

    private LmdbImageWriter() {
    }

    /**
     * How records hold their images.
     *
     * @param encoded keep each file's bytes (decoded when read) instead of its pixels
     * @param height  resize raw pixels to this height (0: keep the size); with {@code width}
     * @param width   resize raw pixels to this width (0: keep the size)
     */
    public record Format(boolean encoded, int height, int width) {
        public Format {
            if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
                throw new IllegalArgumentException("a resize needs both a positive height and width, got " + height
                        + "x" + width);
            }
            if (encoded && height > 0) {
                throw new IllegalArgumentException("encoded records keep the files' bytes; a resize needs raw pixels");
            }
        }
    }

    /** What was written: records, and the images left out with their reasons. */
    public record Result(int records, List<Skipped> skipped) {
    }

    /**
     * Writes {@code images} to a new LMDB at {@code out}; each record's key names the image by its path relative to
     * {@code root} (or the path as it is when not under it).
     */
    public static Result write(Path out, List<LabeledImage> images, Path root, Format format) {
        if (Files.exists(out)) {
            throw new DatasetException(out + ": already exists; give a new folder for the LMDB");
        }
        Path absolute = out.toAbsolutePath();
        Path tmp = absolute.resolveSibling("." + absolute.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        List<Skipped> skipped = new ArrayList<>();
        int records = 0;
        try {
            Files.createDirectories(tmp);
            Env<DirectBuffer> env = Env.create(DirectBufferProxy.PROXY_DB).setMapSize(MAP_SIZE).setMaxDbs(1).open(tmp.toFile());
            try {
                Dbi<DirectBuffer> dbi = env.openDbi((byte[]) null, DbiFlags.MDB_CREATE);
                Txn<DirectBuffer> txn = env.txnWrite();
                try {
                    for (int i = 0; i < images.size(); i++) {
                        LabeledImage s = images.get(i);
                        Datum d;
                        try {
                            d = datum(s, format);
                        } catch (ImageDecodeException e) {
                            skipped.add(new Skipped(s.file(), e.reason()));
                            continue;
                        } catch (RuntimeException | OutOfMemoryError e) {
                            // What decoding or resizing did not foresee costs this image, not the database.
                            skipped.add(new Skipped(s.file(), "cannot be decoded and stored: " + e));
                            continue;
                        }
                        byte[] key = String.format(Locale.ROOT, "%08d_%s", i, name(s.file(), root))
                                .getBytes(StandardCharsets.UTF_8);
                        byte[] value = d.toByteArray();
                        dbi.put(txn, LmdbImages.keyBuffer(key), LmdbImages.keyBuffer(value));
                        records++;
                        if (records % RECORDS_PER_TXN == 0) {
                            txn.commit();
                            txn.close();
                            txn = env.txnWrite();
                        }
                    }
                    txn.commit();
                } finally {
                    txn.close();
                }
            } finally {
                env.close();
            }
            if (records == 0) {
                throw new DatasetException(out + ": no image could be stored" + (skipped.isEmpty() ? ""
                        : " (first: " + skipped.get(0) + ")") + "; nothing written");
            }
            Files.deleteIfExists(tmp.resolve("lock.mdb"));
            Files.move(tmp, absolute);
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write the LMDB: " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
        return new Result(records, List.copyOf(skipped));
    }

    private static Datum datum(LabeledImage s, Format format) throws ImageDecodeException {
        if (format.encoded()) {
            try {
                return DatumImages.encoded(Files.readAllBytes(s.file()), s.label());
            } catch (IOException e) {
                throw new ImageDecodeException(s.file(), "cannot read the file: " + e.getMessage(), e);
            }
        }
        BgrImage img = ImageDecoder.decode(s.file());
        if (format.height() > 0) {
            img = Resize.linear(img, format.height(), format.width());
        }
        return DatumImages.raw(img, s.label());
    }

    private static String name(Path file, Path root) {
        Path p = root != null && file.startsWith(root) ? root.relativize(file) : file;
        return p.toString().replace('\\', '/');
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // A leftover temporary folder is harmless; the write's own outcome is what is reported.
        }
    }
}
