package org.cortado.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.cortado.image.DecodedImage;
import org.cortado.image.ImageDecodeException;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.Dbi;
import org.lmdbjava.DirectBufferProxy;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

/**
 * Caffe's LMDB data sets: a folder holding {@code data.mdb}, whose records are serialized {@code Datum}s under keys
 * such as {@code convert_imageset}'s {@code 00000012_ants/0013035.jpg}. Opening one lists its keys and labels in key
 * order (Caffe's order) with one cursor pass that reads each record's label and skips its pixels; a record is read
 * and decoded only when a loader asks for it, in a read transaction of its own, so that the data set holds the keys
 * and no image. Each record is named {@code FOLDER/KEY} in reports and errors.
 *
 * <p>The database is opened read-only through lmdbjava (liblmdb, carried in its jar) and stays open for the rest of
 * the process, as a memory-mapped file would; a folder whose {@code data.mdb} changed (size or time) since is opened
 * anew.
 */
public final class LmdbImages {
    /** The file of an LMDB environment in its folder. */
    public static final String DATA_FILE = "data.mdb";
    private static final Map<Path, Database> OPEN = new ConcurrentHashMap<>();

    private LmdbImages() {
    }

    /** Whether {@code path} is an LMDB folder (one holding {@code data.mdb}) or that file itself. */
    public static boolean isLmdb(Path path) {
        return Files.isRegularFile(path.resolve(DATA_FILE))
                || (path.getFileName() != null && path.getFileName().toString().equals(DATA_FILE)
                && Files.isRegularFile(path));
    }

    /**
     * The images of the LMDB at {@code path} with class names {@code classes} (null: "0" to the largest label),
     * in key order.
     *
     * @throws DatasetException naming the folder when it is no LMDB, holds no record, or a record is no Datum or
     *                          has a label outside {@code classes}
     */
    public static ImageDataset scan(Path path, List<String> classes) {
        Database db = open(path);
        List<LabeledImage> samples = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (Txn<DirectBuffer> txn = db.env.txnRead(); CursorIterable<DirectBuffer> records = db.dbi.iterate(txn)) {
            for (CursorIterable.KeyVal<DirectBuffer> kv : records) {
                byte[] key = new byte[kv.key().capacity()];
                kv.key().getBytes(0, key);
                DirectBuffer value = kv.val();
                int label;
                try {
                    label = DatumImages.label(value::getByte, value.capacity());
                } catch (IOException e) {
                    throw new DatasetException(db.folder + ": record '" + keyName(key) + "' is not a Caffe Datum ("
                            + e.getMessage() + ")");
                }
                if (label < 0) {
                    throw new DatasetException(db.folder + ": record '" + keyName(key) + "' has label " + label);
                }
                samples.add(new LabeledImage(db.folder.resolve(keyName(key)), label, new Record(db, key)));
                labels.add(label);
            }
        } catch (LmdbException e) {
            throw new DatasetException(db.folder + ": cannot read the LMDB: " + e.getMessage());
        }
        if (samples.isEmpty()) {
            throw new DatasetException(db.folder + ": the LMDB holds no record");
        }
        return NumericLabels.dataset(db.folder, samples, classes);
    }

    /** A key as a file-name-like string: its bytes as UTF-8, control characters and '\' escaped as \xHH. */
    static String keyName(byte[] key) {
        String s = new String(key, StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 || ch == 0x7f || ch == '\\') {
                b.append(String.format("\\x%02x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    private static Database open(Path path) {
        Path folder = path.getFileName() != null && path.getFileName().toString().equals(DATA_FILE)
                ? path.toAbsolutePath().getParent() : path.toAbsolutePath();
        Path data = folder.resolve(DATA_FILE);
        if (!Files.isRegularFile(data)) {
            throw new DatasetException(path + ": not an LMDB folder (no " + DATA_FILE + " in it)");
        }
        String stamp;
        try {
            stamp = Files.size(data) + "@" + Files.getLastModifiedTime(data).toMillis();
        } catch (IOException e) {
            throw new DatasetException(data + ": cannot read: " + e.getMessage());
        }
        return OPEN.compute(folder.normalize(), (k, old) -> old != null && old.stamp.equals(stamp) ? old
                : Database.open(folder, stamp));
    }

    /** An open environment and its main database. */
    private static final class Database {
        final Path folder;
        final String stamp;
        final Env<DirectBuffer> env;
        final Dbi<DirectBuffer> dbi;

        private Database(Path folder, String stamp, Env<DirectBuffer> env, Dbi<DirectBuffer> dbi) {
            this.folder = folder;
            this.stamp = stamp;
            this.env = env;
            this.dbi = dbi;
        }

        static Database open(Path folder, String stamp) {
            Env<DirectBuffer> env;
            try {
                env = openEnv(folder, false);
            } catch (LmdbException e) {
                // A folder we may not write (no lock file can be made there): read it without locking, as Caffe
                // does when built with ALLOW_LMDB_NOLOCK.
                try {
                    env = openEnv(folder, true);
                } catch (LmdbException again) {
                    throw new DatasetException(folder + ": cannot open as an LMDB: " + e.getMessage());
                }
            } catch (RuntimeException | LinkageError e) {
                throw new DatasetException(folder + ": cannot open as an LMDB (" + e + ")");
            }
            try {
                return new Database(folder, stamp, env, env.openDbi((byte[]) null));
            } catch (LmdbException e) {
                env.close();
                throw new DatasetException(folder + ": cannot open the LMDB's database: " + e.getMessage());
            }
        }

        private static Env<DirectBuffer> openEnv(Path folder, boolean noLock) {
            // Readers of concurrent loader threads each hold a transaction for one record.
            Env.Builder<DirectBuffer> b = Env.create(DirectBufferProxy.PROXY_DB).setMaxReaders(1024);
            return noLock ? b.open(folder.toFile(), EnvFlags.MDB_RDONLY_ENV, EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOLOCK)
                    : b.open(folder.toFile(), EnvFlags.MDB_RDONLY_ENV, EnvFlags.MDB_NOTLS);
        }
    }

    /** {@code bytes} in native memory, as lmdbjava passes keys and values. */
    static DirectBuffer keyBuffer(byte[] bytes) {
        UnsafeBuffer b = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(Math.max(1, bytes.length)));
        b.putBytes(0, bytes);
        return new UnsafeBuffer(b, 0, bytes.length);
    }

    /** One record, read when decoded. */
    private record Record(Database db, byte[] key) implements StoredImage {
        @Override
        public DecodedImage decode(Path name, long maxPixels) throws ImageDecodeException {
            byte[] value;
            try (Txn<DirectBuffer> txn = db.env.txnRead()) {
                DirectBuffer found = db.dbi.get(txn, keyBuffer(key));
                if (found == null) {
                    throw new ImageDecodeException(name, "record no longer in the database", null);
                }
                // The value lies in the map, valid while the transaction is open.
                value = new byte[found.capacity()];
                found.getBytes(0, value);
            } catch (LmdbException e) {
                throw new ImageDecodeException(name, "cannot read the record: " + e.getMessage(), e);
            }
            return DatumImages.decode(name, value, maxPixels);
        }
    }
}
