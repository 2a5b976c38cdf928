package org.cortado.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.cortado.util.Progress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The fetcher against a real HTTP server on the loopback interface. */
@Timeout(60)
class FetcherTest {
    private static final int SIZE = 300_000;

    @TempDir
    Path dir;

    private HttpServer server;
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private byte[] payload;
    private String sha1;
    /** Range headers the server received, in order ("" for none). */
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    /** Bytes the truncating endpoint sends before it drops the connection. */
    private static final int CUT_AT = SIZE / 3;

    @BeforeEach
    void start() throws Exception {
        payload = new byte[SIZE];
        new SplittableRandom(42).nextBytes(payload);
        sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(payload));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        servers.add(server);
        server.createContext("/ranged", ex -> serve(ex, true, payload, SIZE));
        server.createContext("/norange", ex -> serve(ex, false, payload, SIZE));
        server.createContext("/cut", ex -> serve(ex, true, payload, CUT_AT));
        byte[] corrupt = payload.clone();
        corrupt[1000] ^= 1;
        server.createContext("/corrupt", ex -> serve(ex, true, corrupt, SIZE));
        server.createContext("/missing", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.createContext("/error", ex -> {
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        server.createContext("/tofile", ex -> {
            ex.getResponseHeaders().add("Location", "file:///etc/passwd");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.createContext("/redirect", ex -> {
            ex.getResponseHeaders().add("Location", "/ranged");
            ex.sendResponseHeaders(301, -1);
            ex.close();
        });
        server.createContext("/endless", ex -> {
            // Chunked, no Content-Length: only the size in the manifest can stop it.
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 4; i++) {
                    out.write(payload);
                }
            } catch (IOException dropped) {
                // The client hung up once it had enough.
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    /** Serves {@code data}, honouring "Range: bytes=N-" when {@code ranges}, and breaking off after {@code limit}. */
    private void serve(HttpExchange ex, boolean honourRange, byte[] data, int limit) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        ranges.add(range == null ? "" : range);
        int from = 0;
        if (honourRange && range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
            if (from >= data.length) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + data.length);
                ex.sendResponseHeaders(416, -1);
                ex.close();
                return;
            }
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
            ex.sendResponseHeaders(206, data.length - from);
        } else {
            ex.sendResponseHeaders(200, data.length);
        }
        OutputStream out = ex.getResponseBody();
        out.write(data, from, Math.max(0, Math.min(limit, data.length) - from));
        out.flush();
        if (limit < data.length) {
            // Drop every connection mid-body, as a network failure would: stopping the server closes them
            // (from another thread, since stop waits for running handlers).
            HttpServer s = ex.getHttpContext().getServer();
            new Thread(() -> s.stop(0)).start();
            return;
        }
        out.close();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The notes of the fetchers made by {@link #fetcher()}. */
    private final List<String> notes = new CopyOnWriteArrayList<>();

    private Fetcher fetcher() {
        return new Fetcher(Duration.ofSeconds(5), Duration.ofSeconds(5),
                total -> new Progress("test", "MB", 1e6, total, System.err, Progress.Mode.QUIET, System::nanoTime, 0),
                notes::add);
    }

    private Checksum expected() {
        return new Checksum("SHA-1", sha1);
    }

    @Test
    void downloadsVerifiesAndRenames() throws Exception {
        Path target = dir.resolve("m.caffemodel");
        Fetcher.Result r = fetcher().fetch(List.of(url("/ranged")), expected(), target);
        assertArrayEquals(payload, Files.readAllBytes(target));
        assertFalse(r.alreadyPresent());
        assertEquals(0, r.resumedFrom());
        assertFalse(Files.exists(dir.resolve("m.caffemodel.part")));
        Fetcher.Result again = fetcher().fetch(List.of(url("/ranged")), expected(), target);
        assertTrue(again.alreadyPresent());
        assertNull(again.url());
        assertEquals(1, ranges.size(), "a verified file is not downloaded again");
    }

    @Test
    void checksumMismatchFailsClearlyAndLeavesNothing() {
        Path target = dir.resolve("m.caffemodel");
        ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
                () -> fetcher().fetch(List.of(url("/corrupt")), expected(), target));
        assertTrue(e.getMessage().contains(sha1) && e.getMessage().contains("/corrupt"), e.getMessage());
        assertFalse(Files.exists(target));
        assertFalse(Files.exists(dir.resolve("m.caffemodel.part")), "a complete but wrong file is deleted");
    }

    @Test
    void interruptedTransferResumesWithARangeRequest() throws Exception {
        Path target = dir.resolve("m.caffemodel");
        IOException e = assertThrows(IOException.class,
                () -> fetcher().fetch(List.of(url("/cut")), expected(), target));
        assertTrue(e.getMessage().contains("resume"), e.getMessage());
        Path part = dir.resolve("m.caffemodel.part");
        long kept = Files.size(part);
        assertTrue(kept > 0 && kept <= SIZE / 3, "part holds " + kept + " bytes");
        assertFalse(Files.exists(target));

        // The first server went down with the connection; a second one (a mirror, say) completes the file.
        start();
        Fetcher.Result r = fetcher().fetch(List.of(url("/ranged")), expected(), target);
        assertEquals(kept, r.resumedFrom());
        assertEquals("bytes=" + kept + "-", ranges.get(ranges.size() - 1));
        assertArrayEquals(payload, Files.readAllBytes(target));
        assertFalse(Files.exists(part));
    }

    @Test
    void serverIgnoringRangeIsDownloadedFromTheStart() throws Exception {
        Path target = dir.resolve("m.caffemodel");
        Path part = dir.resolve("m.caffemodel.part");
        Files.write(part, java.util.Arrays.copyOf(payload, 1234));
        Fetcher.Result r = fetcher().fetch(List.of(url("/norange")), expected(), target);
        assertEquals("bytes=1234-", ranges.get(0));
        assertEquals(0, r.resumedFrom());
        assertArrayEquals(payload, Files.readAllBytes(target));
    }

    @Test
    void aCompletePartIsVerifiedWhenTheServerHasNothingMore() throws Exception {
        Path target = dir.resolve("m.caffemodel");
        Files.write(dir.resolve("m.caffemodel.part"), payload);
        Fetcher.Result r = fetcher().fetch(List.of(url("/ranged")), expected(), target);
        assertEquals(SIZE, r.resumedFrom());
        assertArrayEquals(payload, Files.readAllBytes(target));
    }

    @Test
    void laterUrlsAreTriedAfterFailures() throws Exception {
        Path target = dir.resolve("m.caffemodel");
        Fetcher.Result r = fetcher().fetch(List.of(url("/missing"), url("/corrupt"), url("/ranged")), expected(),
                target);
        assertEquals(url("/ranged"), r.url());
        assertArrayEquals(payload, Files.readAllBytes(target));
        IOException all = assertThrows(IOException.class,
                () -> fetcher().fetch(List.of(url("/missing"), url("/corrupt")), expected(), dir.resolve("x")));
        assertTrue(all.getMessage().contains("HTTP 404") && all.getMessage().contains("manifest expects"),
                all.getMessage());
    }

    @Test
    void aWrongExistingFileIsReplaced() throws Exception {
        Path target = dir.resolve("m.caffemodel");
        Files.writeString(target, "stale");
        fetcher().fetch(List.of(url("/ranged")), expected(), target);
        assertArrayEquals(payload, Files.readAllBytes(target));
    }

    @Test
    void aRedirectToAFileIsRefusedAndTheNextMirrorServes() throws Exception {
        Path target = dir.resolve("m.caffemodel");
        Fetcher.Result r = fetcher().fetch(List.of(url("/tofile"), url("/redirect")), expected(), SIZE + 0L, target);
        assertEquals(url("/redirect"), r.url());
        assertArrayEquals(payload, Files.readAllBytes(target));
        assertEquals(List.of(url("/tofile") + ": redirected to file:///etc/passwd is not an http or https URL (not"
                + " followed); trying the next mirror"), notes);
        IOException e = assertThrows(IOException.class,
                () -> fetcher().fetch(List.of(url("/tofile")), expected(), dir.resolve("x")));
        assertEquals("x: " + url("/tofile") + ": redirected to file:///etc/passwd is not an http or https URL (not"
                + " followed)", e.getMessage());
    }

    @Test
    void aBodyBeyondTheManifestsSizeIsCutOffAndDeleted() throws Exception {
        Path target = dir.resolve("m.caffemodel");
        IOException e = assertThrows(IOException.class,
                () -> fetcher().fetch(List.of(url("/endless")), expected(), SIZE + 0L, target));
        assertTrue(e.getMessage().contains("sent more than the manifest's size of " + SIZE
                + " bytes; download stopped and deleted"), e.getMessage());
        assertFalse(Files.exists(target));
        assertFalse(Files.exists(dir.resolve("m.caffemodel.part")));
        // A server that announces another length is not read at all.
        IOException announced = assertThrows(IOException.class,
                () -> fetcher().fetch(List.of(url("/ranged")), expected(), SIZE - 1L, target));
        assertTrue(announced.getMessage().contains("the server announces " + SIZE + " bytes, the manifest says "
                + (SIZE - 1)), announced.getMessage());
        assertFalse(Files.exists(dir.resolve("m.caffemodel.part")));
    }

    @Test
    void withoutASizeABodyBelowTheCapIsTakenWhole() throws Exception {
        assertTrue(Fetcher.MAX_UNKNOWN_SIZE >= 1L << 30, "the cap lies above any Model Zoo caffemodel");
        Path part = dir.resolve("m.caffemodel.part");
        fetcher().download(java.net.URI.create(url("/endless")), part, null, Duration.ofSeconds(5));
        assertEquals(4L * SIZE, Files.size(part));
    }

    @Test
    void aFailingMirrorIsNotedAndTheNextOneServes() throws Exception {
        Path target = dir.resolve("m.caffemodel");
        Fetcher.Result r = fetcher().fetch(List.of(url("/error"), url("/ranged")), expected(), SIZE + 0L, target);
        assertEquals(url("/ranged"), r.url());
        assertEquals(List.of(url("/error") + ": HTTP 500; trying the next mirror"), notes);
        assertArrayEquals(payload, Files.readAllBytes(target));
    }

    @Test
    void theFinalErrorNamesEveryMirrorsReasonOnOneLine() {
        Path target = dir.resolve("m.caffemodel");
        IOException e = assertThrows(IOException.class, () -> fetcher().fetch(List.of(url("/tofile"), url("/error"),
                url("/corrupt"), url("/endless")), expected(), SIZE + 0L, target));
        String m = e.getMessage();
        assertTrue(m.startsWith("m.caffemodel: no mirror delivered it: "), m);
        for (String reason : List.of(url("/tofile") + ": redirected to file:///etc/passwd",
                url("/error") + ": HTTP 500", url("/corrupt") + ": downloaded file has SHA-1",
                url("/endless") + ": sent more than")) {
            assertTrue(m.contains(reason), reason + " in " + m);
        }
        assertFalse(m.contains("\n"), m);
        assertEquals(3, notes.size(), notes.toString());
        assertFalse(Files.exists(target));
    }

    @Test
    void plainHttpIsTriedAsHttpsFirstAndFallsBackWithANote() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Path target = dir.resolve("m.caffemodel");
        Fetcher.Result r = fetcher().tryHttpsOnPort(closed).fetch(List.of(url("/ranged")), expected(), SIZE + 0L,
                target);
        assertEquals(url("/ranged"), r.url());
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.get(0).startsWith("https://127.0.0.1:" + closed + "/ranged not served (")
                && notes.get(0).endsWith("using " + url("/ranged") + " over plain http, the checksum verifies the"
                + " file"), notes.get(0));
        assertArrayEquals(payload, Files.readAllBytes(target));
    }

    @Test
    void theHttpsAttemptKeepsHostAndPathAndOnlyReplacesTheDefaultPort() {
        Fetcher f = fetcher();
        assertEquals("https://dl.caffe.berkeleyvision.org/bvlc_alexnet.caffemodel", f.httpsVariant(java.net.URI
                .create("http://dl.caffe.berkeleyvision.org/bvlc_alexnet.caffemodel")).toString());
        assertEquals("https://h/a?b=c", f.httpsVariant(java.net.URI.create("http://h:80/a?b=c")).toString());
        assertNull(f.httpsVariant(java.net.URI.create("http://h:8080/a")), "an explicit port serves one protocol");
        assertNull(f.httpsVariant(java.net.URI.create("https://h/a")));
    }
}
