package org.cortado.report;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.cortado.image.ImageDecodeException;

/**
 * The misclassified validation images, most confident mistakes first, each as an embedded thumbnail with its true and
 * predicted class and the confidence: what a person checks first (a mislabelled image, a class that needs more data).
 */
final class Gallery {
    private Gallery() {
    }

    static void render(RenderContext ctx, Html h, List<String> classes, List<Prediction> predictions) {
        List<Prediction> wrong = predictions.stream().filter(Prediction::wrong)
                .sorted(Comparator.comparingDouble((Prediction p) -> Double.isNaN(p.confidence()) ? 0
                        : -p.confidence()).thenComparing(Prediction::file))
                .toList();
        h.element("h3", "Misclassified validation images");
        int limit = ctx.options().galleryLimit();
        if (wrong.isEmpty()) {
            h.element("p", predictions.isEmpty() ? "The report lists no predictions per image."
                    : "None: every one of the " + predictions.size() + " validation images is classified correctly.");
            return;
        }
        List<Prediction> shown = wrong.subList(0, Math.min(limit, wrong.size()));
        h.element("p", wrong.size() + " of " + predictions.size() + " validation images"
                + (shown.size() < wrong.size() ? "; the " + shown.size() + " most confident mistakes are shown" : "")
                + ", most confident mistake first. Caption: true class, predicted class and "
                + (wrong.get(0).isScore() ? "the SVM's decision value for it (not a probability)."
                : "the probability the model gave it."));
        h.open("div", "class", "gallery");
        int unreadable = 0;
        String firstProblem = null;
        for (Prediction p : shown) {
            h.open("figure", "class", "thumb");
            try {
                Path file = ctx.resolve(p.file());
                h.empty("img", "src", Thumbnails.dataUri(file), "alt", "validation image " + p.file(), "title",
                        p.file());
            } catch (ImageDecodeException | RuntimeException e) {
                unreadable++;
                if (firstProblem == null) {
                    firstProblem = e.getMessage();
                }
                h.element("div", "image not readable", "class", "missing", "title", String.valueOf(e.getMessage()));
            }
            h.open("figcaption");
            h.element("span", "true: " + classes.get(p.label()), "class", "truth");
            h.element("span", "predicted: " + classes.get(p.predicted()) + (p.describeConfidence().isEmpty() ? ""
                    : " (" + p.describeConfidence() + ")"), "class", "predicted");
            h.element("span", shortName(p.file()), "class", "file", "title", p.file());
            h.close("figcaption").close("figure");
        }
        h.close("div");
        if (unreadable > 0) {
            String message = unreadable + " of " + shown.size() + " misclassified images could not be read for the"
                    + " gallery (first: " + firstProblem + ")";
            h.element("p", message + ".", "class", "warning");
            ctx.warn(message);
        }
    }

    /** The last two parts of a path (class folder and file name), enough to find the image. */
    static String shortName(String file) {
        String f = file.replace('\\', '/');
        int last = f.lastIndexOf('/');
        int before = last <= 0 ? -1 : f.lastIndexOf('/', last - 1);
        return before < 0 ? f : f.substring(before + 1);
    }
}
