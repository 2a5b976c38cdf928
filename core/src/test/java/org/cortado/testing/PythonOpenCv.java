package org.cortado.testing;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finds a Python with OpenCV for the tests that compare with OpenCV's dnn module (Debian: python3-opencv). */
public final class PythonOpenCv {
    private PythonOpenCv() {
    }

    /** The first of {@code python3} on the path and {@code /usr/bin/python3} that imports cv2 and numpy, or null. */
    public static String find() {
        for (String candidate : List.of("python3", "/usr/bin/python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import cv2, numpy").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException e) {
                // Not installed: try the next one.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }
}
