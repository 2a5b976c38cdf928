package org.cortado.weights;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
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
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cortado.util.Progress;

/**
 * Downloads model weights: progress on standard error, resumption of an interrupted download, the size and checksum
 * the manifest gives enforced, mirrors tried in turn, and an atomic final rename, so that {@code DIR/NAME.caffemodel}
 * exists only when complete and verified.
 *
 * <p>Bytes go to {@code NAME.caffemodel.part}. A later run finding a part asks the server for the rest
 * ({@code Range: bytes=N-}); a server that answers 206 from offset N is appended to, one that ignores the range (200)
 * is downloaded again from the start. An interrupted transfer keeps its part for the next run.
 *
 * <p>Only http and https are spoken, redirects included (checked before a connection is opened). A plain-http URL
 * with the default port is tried as https first, with a short connect timeout; when that is not served (no
 * connection, no TLS, an HTTP error) the plain-http URL is used, with a note: the checksum verifies the file either
 * way. No more bytes than the manifest's {@code size} are accepted ({@link #MAX_UNKNOWN_SIZE} when it gives none): a
 * server that sends more is cut off and its download deleted. A mirror that fails in any way (no connection, HTTP
 * error, wrong size or digest, a redirect elsewhere than http/https) is noted and the next one tried; when none is
 * left the error names every mirror's reason.
 */
public final class Fetcher {
    /**
     * The most bytes accepted when the manifest gives no size: well above any Model Zoo caffemodel (VGG-16's, among
     * the largest, is about 0.55 GB), well below what a runaway server could fill a disk with.
     */
    public static final long MAX_UNKNOWN_SIZE = 2L << 30;

    /** Connect timeout of the https attempt of a plain-http URL (a host without https may drop the packets). */
    static final Duration HTTPS_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int BUFFER = 1 << 16;

    /** Redirects followed at most (http to https included, which HttpURLConnection alone does not follow). */
    private static final int MAX_REDIRECTS = 5;

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final LongFunction<Progress> progress;
    private final Consumer<String> notes;
    /** For tests: the port of the https attempt of plain-http URLs with an explicit port (0: no attempt for them). */
    private int httpsPortForExplicitPorts;

    /**
     * @param connectTimeout how long to wait for a connection
     * @param readTimeout    how long a transfer may stall before it counts as broken (the part is kept)
     * @param progress       makes a progress line for a transfer of the given total bytes (negative when unknown)
     * @param notes          receives one line per mirror given up and per https attempt that fell back to http
     */
    public Fetcher(Duration connectTimeout, Duration readTimeout, LongFunction<Progress> progress,
                   Consumer<String> notes) {
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.progress = progress;
        this.notes = notes;
    }

    /** As above, the notes dropped. */
    public Fetcher(Duration connectTimeout, Duration readTimeout, LongFunction<Progress> progress) {
        this(connectTimeout, readTimeout, progress, note -> { });
    }

    /** A fetcher with 30 s connect and 60 s stall timeouts, progress on standard error and notes to {@code notes}. */
    public static Fetcher withProgress(String label, boolean quiet, Consumer<String> notes) {
        return new Fetcher(Duration.ofSeconds(30), Duration.ofSeconds(60),
                total -> Progress.bytesOnStderr(label, total, quiet), notes);
    }

    /** For tests, whose servers listen on ports of their own: plain-http URLs with a port try https on {@code port}. */
    Fetcher tryHttpsOnPort(int port) {
        this.httpsPortForExplicitPorts = port;
        return this;
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
        return fetch(model.urls(), model.checksum(), model.size(), dir.resolve(model.caffemodel()));
    }

    /** As {@link #fetch(List, Checksum, Long, Path)} without a known size. */
    public Result fetch(List<String> urls, Checksum expected, Path target) throws IOException {
        return fetch(urls, expected, null, target);
    }

    /**
     * Fetches {@code target} from the first of {@code urls} that delivers a file of {@code size} bytes (when not
     * null) with the {@code expected} digest. A target already present with the right digest is kept as is.
     *
     * @throws ChecksumMismatchException when no mirror delivered the file and one delivered another
     * @throws IOException               when no mirror delivered the file, naming each one's reason
     */
    public Result fetch(List<String> urls, Checksum expected, Long size, Path target) throws IOException {
        if (Files.isRegularFile(target) && digest(target, expected.algorithm()).equals(expected.hex())) {
            return new Result(target, null, true, 0);
        }
        Path part = target.resolveSibling(target.getFileName() + ".part");
        List<String> failures = new ArrayList<>();
        boolean mismatch = false;
        for (int i = 0; i < urls.size(); i++) {
            String url = urls.get(i);
            try {
                return attempt(url, expected, size, part, target);
            } catch (InterruptedIOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                failures.add(reason(url, e));
            } catch (IOException e) {
                mismatch |= e instanceof ChecksumMismatchException;
                failures.add(reason(url, e));
            }
            if (i + 1 < urls.size()) {
                notes.accept(failures.get(failures.size() - 1) + "; trying the next mirror");
            }
        }
        String message = target.getFileName() + ": " + (urls.size() == 1 ? "" : "no mirror delivered it: ")
                + String.join("; ", failures);
        throw mismatch ? new ChecksumMismatchException(message) : new IOException(message);
    }

    /** A failure's line, starting with the URL. */
    private static String reason(String url, IOException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.startsWith(url) ? m : url + ": " + m;
    }

    /** Downloads from one mirror (https first where that applies), checks size and digest, renames into place. */
    private Result attempt(String url, Checksum expected, Long size, Path part, Path target) throws IOException {
        URI uri = httpUri(url);
        URI https = httpsVariant(uri);
        long resumedFrom;
        URI used = uri;
        if (https != null) {
            try {
                resumedFrom = download(https, part, size, HTTPS_CONNECT_TIMEOUT);
                used = https;
            } catch (NotServed e) {
                notes.accept(https + " not served (" + e.getMessage().replace(https + ": ", "") + "); using " + uri
                        + " over plain http, the checksum verifies the file");
                resumedFrom = download(uri, part, size, connectTimeout);
            }
        } else {
            resumedFrom = download(uri, part, size, connectTimeout);
        }
        long got = Files.size(part);
        if (size != null && got != size) {
            Files.deleteIfExists(part);
            throw new IOException(used + ": delivered " + got + " bytes, the manifest says " + size
                    + " (download deleted)");
        }
        String actual = digest(part, expected.algorithm());
        if (!actual.equals(expected.hex())) {
            Files.deleteIfExists(part);
            throw new ChecksumMismatchException(used + ": downloaded file has " + expected.algorithm() + " " + actual
                    + " but the manifest expects " + expected.hex() + " (download deleted)");
        }
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new Result(target, used.toString(), false, resumedFrom);
    }

    /** {@code url} parsed, when it is an absolute http or https URL. */
    private static URI httpUri(String url) throws IOException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IOException(url + ": not a URL (" + e.getReason() + ")", e);
        }
        requireHttp(uri, url + ": ");
        return uri;
    }

    private static void requireHttp(URI uri, String context) throws NotServed {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new NotServed(context + uri + " is not an http or https URL (not followed)");
        }
    }

    /**
     * The https URL to try before a plain-http one: same host and path when the URL has the default port (an
     * explicit port serves one protocol only); null when there is none to try.
     */
    URI httpsVariant(URI http) {
        if (!"http".equalsIgnoreCase(http.getScheme())) {
            return null;
        }
        int port;
        if (http.getPort() == -1 || http.getPort() == 80) {
            port = -1;
        } else if (httpsPortForExplicitPorts > 0) {
            port = httpsPortForExplicitPorts;
        } else {
            return null;
        }
        try {
            return new URI("https", http.getUserInfo(), http.getHost(), port, http.getPath(), http.getQuery(),
                    http.getFragment());
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** The server did not start sending the file: no connection, TLS failure, HTTP error, refused redirect. */
    static final class NotServed extends IOException {
        NotServed(String message) {
            super(message);
        }

        NotServed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Downloads {@code url} into {@code part}, continuing a partial file when the server honours ranges.
     *
     * @param size the file's size from the manifest, or null
     * @return the bytes of an existing partial file that were kept
     * @throws NotServed   when the server does not start sending the file (the part is kept as it was)
     * @throws IOException when the transfer breaks off (the part is kept) or exceeds the size (the part is deleted)
     */
    long download(URI url, Path part, Long size, Duration connectWithin) throws IOException {
        long limit = size != null ? size : MAX_UNKNOWN_SIZE;
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (have > limit) {
            Files.delete(part);
            have = 0;
        }
        HttpURLConnection c = connect(url, have, connectWithin);
        try {
            int status = responseCode(c, url);
            long offset;
            long total;
            if (status == 206 && have > 0) {
                String range = c.getHeaderField("Content-Range");
                Matcher m = CONTENT_RANGE.matcher(range == null ? "" : range);
                if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                    throw new NotServed(url + ": server answered the range request from " + have + " with "
                            + (range == null ? "no Content-Range" : range));
                }
                offset = have;
                total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            } else if (status == 416 && have > 0) {
                // Nothing beyond what we have: the part is already complete (size and checksum decide).
                return have;
            } else if (status == 200) {
                // Fresh download, or a server that ignores Range: start over.
                offset = 0;
                total = c.getContentLengthLong();
            } else {
                throw new NotServed(url + ": HTTP " + status);
            }
            if (total >= 0 && (size != null ? total != size : total > limit)) {
                throw new NotServed(url + ": the server announces " + total + " bytes, "
                        + (size != null ? "the manifest says " + size : "more than the cap of " + limit));
            }
            try (InputStream body = c.getInputStream()) {
                copy(url, body, part, offset, total, size, limit);
            }
            return offset;
        } finally {
            c.disconnect();
        }
    }

    private static int responseCode(HttpURLConnection c, URI url) throws NotServed {
        try {
            return c.getResponseCode();
        } catch (IOException e) {
            throw new NotServed(url + ": " + describe(e), e);
        }
    }

    private static String describe(IOException e) {
        if (e instanceof UnknownHostException) {
            return "unknown host " + e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Opens {@code url} asking for bytes from {@code from} on, following redirects across http and https only: each
     * location is checked before a connection is opened to it.
     */
    private HttpURLConnection connect(URI url, long from, Duration connectWithin) throws IOException {
        URI current = url;
        for (int hop = 0; ; hop++) {
            requireHttp(current, hop == 0 ? "" : url + ": redirected to ");
            HttpURLConnection c;
            try {
                c = (HttpURLConnection) current.toURL().openConnection();
            } catch (IllegalArgumentException e) {
                throw new NotServed(url + ": cannot open " + current + " (" + e.getMessage() + ")", e);
            }
            c.setConnectTimeout((int) connectWithin.toMillis());
            c.setReadTimeout((int) readTimeout.toMillis());
            c.setInstanceFollowRedirects(false);
            if (from > 0) {
                c.setRequestProperty("Range", "bytes=" + from + "-");
            }
            int status = responseCode(c, current);
            String location = c.getHeaderField("Location");
            if (status / 100 != 3 || location == null) {
                return c;
            }
            c.disconnect();
            if (hop == MAX_REDIRECTS) {
                throw new NotServed(url + ": more than " + MAX_REDIRECTS + " redirects");
            }
            try {
                current = current.resolve(location);
            } catch (IllegalArgumentException e) {
                throw new NotServed(url + ": redirected to a malformed location '" + location + "'", e);
            }
        }
    }

    private void copy(URI url, InputStream body, Path part, long offset, long total, Long size, long limit)
            throws IOException {
        StandardOpenOption mode = offset > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        long written = offset;
        boolean oversized = false;
        try (Progress p = progress.apply(total);
             var out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
            p.advance(offset);
            byte[] buf = new byte[BUFFER];
            for (int n; (n = body.read(buf)) >= 0; ) {
                if (written + n > limit) {
                    oversized = true;
                    break;
                }
                out.write(buf, 0, n);
                written += n;
                p.advance(n);
            }
        } catch (IOException e) {
            throw new IOException(url + ": transfer broke off after " + written + " bytes" + (total >= 0 ? " of "
                    + total : "") + " (" + e.getMessage() + "); run again to resume from " + part, e);
        }
        if (oversized) {
            Files.deleteIfExists(part);
            throw new IOException(url + ": sent more than " + (size != null ? "the manifest's size of " + size
                    : "the cap of " + limit) + " bytes; download stopped and deleted");
        }
        long expected = total >= 0 ? total : size != null ? size : -1;
        if (expected >= 0 && written != expected) {
            throw new IOException(url + ": transfer ended after " + written + " of " + expected
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
