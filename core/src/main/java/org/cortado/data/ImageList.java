package org.cortado.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cortado.io.AtomicFiles;

/**
 * Caffe's ImageData list files: one image per line, {@code path label}, the label after the line's last space (so
 * paths may hold spaces), the path taken as {@code root_folder + path} (string concatenation, as Caffe's
 * image_data_layer.cpp does). Blank lines are skipped and a trailing carriage return is dropped; anything else that
 * is not a path and a non-negative integer label is refused with the file and line. Images keep the list's order.
 */
public final class ImageList {
    private ImageList() {
    }

    /**
     * The images of {@code list} with class names {@code classes} (null: "0" to the largest label).
     *
     * @param rootFolder prefixed to every path as a string ({@code root_folder}); "" for none
     * @throws DatasetException naming the file and line of the first bad line, or when it lists no image
     */
    public static ImageDataset read(Path list, String rootFolder, List<String> classes) {
        if (!Files.isRegularFile(list)) {
            throw new DatasetException(list + ": no such list file");
        }
        List<LabeledImage> samples = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(list, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNo++;
                if (line.endsWith("\r")) {
                    line = line.substring(0, line.length() - 1);
                }
                if (line.isBlank()) {
                    continue;
                }
                samples.add(entry(list, lineNo, line, rootFolder));
            }
        } catch (IOException e) {
            throw new DatasetException(list + ": cannot read: " + e.getMessage());
        }
        if (samples.isEmpty()) {
            throw new DatasetException(list + ": lists no image");
        }
        return NumericLabels.dataset(list, samples, classes);
    }

    private static LabeledImage entry(Path list, int lineNo, String line, String rootFolder) {
        String where = list + ":" + lineNo + ": ";
        int space = line.lastIndexOf(' ');
        if (space <= 0) {
            throw new DatasetException(where + "expected 'path label', got '" + abbreviate(line) + "'");
        }
        String labelText = line.substring(space + 1);
        int label;
        try {
            label = Integer.parseInt(labelText);
        } catch (NumberFormatException e) {
            throw new DatasetException(where + "label '" + abbreviate(labelText) + "' is not an integer");
        }
        if (label < 0) {
            throw new DatasetException(where + "label " + label + " is negative");
        }
        try {
            return new LabeledImage(Path.of(rootFolder + line.substring(0, space)), label);
        } catch (InvalidPathException e) {
            throw new DatasetException(where + "not a path: " + e.getMessage());
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** Writes {@code set} as a list file: each image's path relative to {@code root} (or as it is) and its label. */
    public static void write(Path list, ImageDataset set, Path root) {
        StringBuilder b = new StringBuilder();
        for (LabeledImage s : set.samples()) {
            Path p = root != null && s.file().startsWith(root) ? root.relativize(s.file()) : s.file();
            b.append(p).append(' ').append(s.label()).append('\n');
        }
        AtomicFiles.writeString(list, b.toString());
    }
}
