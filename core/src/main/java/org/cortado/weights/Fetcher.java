package org.cortado.weights;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cortado.util.Progress;

/**
 * Downloads model weights: progress on standard error, resumption of an interrupted download, checksum verification,
 * and an atomic final rename, so that {@code DIR/NAME.caffemodel} exists only when complete and verified.
 *
 * <p>Bytes go to {@code NAME.caffemodel.part}. A later run finding a part asks the server for the rest
 * ({@code Range: bytes=N-}); a server that answers 206 from offset N is appended to, one that ignores the range (200)
 * is downloaded again from the start. An interrupted transfer keeps its part for the next run. A complete download
 * whose digest differs from the published one is deleted (it could never be resumed into the right file) and the next
 * URL, if any, is tried; when none is left the fetch fails with a {@link ChecksumMismatchException} naming both
 * digests.
 */
public final class Fetcher {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int BUFFER = 1 << 16;

    /** Redirects followed at most (http to https included, which HttpURLConnection alone does not follow). */
    private static final int MAX_REDIRECTS = 5;

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final LongFunction<Progress> progress;

    /**
     * @param connectTimeout how long to wait for a connection
     * @param readTimeout    how long a transfer may stall before it counts as broken (the part is kept)
     * @param progress       makes a progress line for a transfer of the given total bytes (negative when unknown)
     */
    public Fetcher(Duration connectTimeout, Duration readTimeout, LongFunction<Progress> progress) {
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.progress = progress;
    }

    /** A fetcher with 30 s connect and 60 s stall timeouts and progress on standard error. */
    public static Fetcher withProgress(String label, boolean quiet) {
        return new Fetcher(Duration.ofSeconds(30), Duration.ofSeconds(60),
                total -> Progress.bytesOnStderr(label, total, quiet));
    }

    /**
     * What a fetch did.
     *
     * @param file           the verified file
     * @param url            where it came from (null when it was already present)
     * @param alreadyPresent the file was there and verified, nothing downloaded
     * @param resumedFrom    bytes of an earlier partial download that were kept (0 when none)
     */
    public record Result(Path file, String url, boolean alreadyPresent, long resumedFrom) {
    }

    /** Fetches {@code model}'s weights into {@code dir} (created when missing). */
    public Result fetch(ModelEntry model, Path dir) throws IOException {
        Files.createDirectories(dir);
        return fetch(model.urls(), model.checksum(), dir.resolve(model.caffemodel()));
    }

    /**
     * Fetches {@code target} from the first of {@code urls} that delivers a file with the {@code expected} digest.
     * A target already present with the right digest is kept as is.
     */
    public Result fetch(List<String> urls, Checksum expected, Path target) throws IOException {
        if (Files.isRegularFile(target) && digest(target, expected.algorithm()).equals(expected.hex())) {
            return new Result(target, null, true, 0);
        }
        Path part = target.resolveSibling(target.getFileName() + ".part");
        List<String> failures = new ArrayList<>();
        for (String url : urls) {
            try {
                long resumedFrom = download(URI.create(url), part);
                String actual = digest(part, expected.algorithm());
                if (!actual.equals(expected.hex())) {
                    Files.deleteIfExists(part);
                    throw new ChecksumMismatchException(url + ": downloaded file has " + expected.algorithm() + " "
                            + actual + " but the manifest expects " + expected.hex() + " (download deleted)");
                }
                try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return new Result(target, url, false, resumedFrom);
            } catch (ChecksumMismatchException e) {
                failures.add(e.getMessage());
                if (urls.size() == 1) {
                    throw e;
                }
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                failures.add(url + ": " + e.getMessage());
                if (urls.size() == 1) {
                    throw e;
                }
            }
        }
        boolean mismatch = failures.stream().anyMatch(f -> f.contains("manifest expects"));
        String message = target.getFileName() + ": every URL failed:\n  " + String.join("\n  ", failures);
        throw mismatch ? new ChecksumMismatchException(message) : new IOException(message);
    }

    /**
     * Downloads {@code url} into {@code part}, continuing a partial file when the server honours ranges.
     *
     * @return the bytes of an existing partial file that were kept
     * @throws IOException when the server answers with an error or the transfer breaks off (the part is kept)
     */
    long download(URI url, Path part) throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpURLConnection c = connect(url, have);
        try {
            int status = c.getResponseCode();
            long offset;
            long total;
            if (status == 206 && have > 0) {
                String range = c.getHeaderField("Content-Range");
                Matcher m = CONTENT_RANGE.matcher(range == null ? "" : range);
                if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                    throw new IOException(url + ": server answered the range request from " + have + " with "
                            + (range == null ? "no Content-Range" : range));
                }
                offset = have;
                total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            } else if (status == 416 && have > 0) {
                // Nothing beyond what we have: the part is already complete (the checksum decides).
                return have;
            } else if (status == 200) {
                // Fresh download, or a server that ignores Range: start over.
                offset = 0;
                total = c.getContentLengthLong();
            } else {
                throw new IOException(url + ": HTTP " + status);
            }
            try (InputStream body = c.getInputStream()) {
                copy(url, body, part, offset, total);
            }
            return offset;
        } finally {
            c.disconnect();
        }
    }

    /** Opens {@code url} asking for bytes from {@code from} on, following redirects across http and https. */
    private HttpURLConnection connect(URI url, long from) throws IOException {
        URI current = url;
        for (int hop = 0; ; hop++) {
            HttpURLConnection c = (HttpURLConnection) current.toURL().openConnection();
            c.setConnectTimeout((int) connectTimeout.toMillis());
            c.setReadTimeout((int) readTimeout.toMillis());
            c.setInstanceFollowRedirects(false);
            if (from > 0) {
                c.setRequestProperty("Range", "bytes=" + from + "-");
            }
            int status = c.getResponseCode();
            String location = c.getHeaderField("Location");
            if (status / 100 != 3 || location == null) {
                return c;
            }
            c.disconnect();
            if (hop == MAX_REDIRECTS) {
                throw new IOException(url + ": more than " + MAX_REDIRECTS + " redirects");
            }
            current = current.resolve(location);
        }
    }

    private void copy(URI url, InputStream body, Path part, long offset, long total) throws IOException {
        StandardOpenOption mode = offset > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        long written = offset;
        try (Progress p = progress.apply(total);
             var out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
            p.advance(offset);
            byte[] buf = new byte[BUFFER];
            for (int n; (n = body.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                written += n;
                p.advance(n);
            }
        } catch (IOException e) {
            throw new IOException(url + ": transfer broke off after " + written + " bytes" + (total >= 0 ? " of "
                    + total : "") + " (" + e.getMessage() + "); run again to resume from " + part, e);
        }
        if (total >= 0 && written != total) {
            throw new IOException(url + ": transfer ended after " + written + " of " + total
                    + " bytes; run again to resume from " + part);
        }
    }

    /** The hex digest of a file. */
    public static String digest(Path file, String algorithm) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("unknown digest algorithm " + algorithm, e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[BUFFER];
            for (int n; (n = in.read(buf)) >= 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
