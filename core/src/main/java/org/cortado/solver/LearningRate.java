package org.cortado.solver;

/**
 * Caffe's learning-rate policies (SGDSolver::GetLearningRate), at iteration {@code iter}:
 * <ul>
 *   <li>fixed: {@code base_lr}</li>
 *   <li>step: {@code base_lr * gamma ^ floor(iter / stepsize)}</li>
 *   <li>multistep: {@code base_lr * gamma ^ (number of stepvalues <= iter)}</li>
 *   <li>exp: {@code base_lr * gamma ^ iter}</li>
 *   <li>inv: {@code base_lr * (1 + gamma * iter) ^ -power}</li>
 *   <li>poly: {@code base_lr * (1 - iter / max_iter) ^ power}</li>
 *   <li>sigmoid: {@code base_lr / (1 + exp(-gamma * (iter - stepsize)))}</li>
 * </ul>
 * Caffe advances multistep's {@code current_step} one stepvalue per iteration; with increasing stepvalues visited
 * every iteration that is the count above, which needs no state to resume.
 */
public final class LearningRate {
    private LearningRate() {
    }

    public static double at(SolverSettings s, int iter) {
        double base = s.baseLr();
        return switch (s.lrPolicy()) {
            case "fixed" -> base;
            case "step" -> base * Math.pow(s.gamma(), Math.floorDiv(iter, s.stepsize()));
            case "multistep" -> base * Math.pow(s.gamma(), currentStep(s, iter));
            case "exp" -> base * Math.pow(s.gamma(), iter);
            case "inv" -> base * Math.pow(1.0 + s.gamma() * iter, -s.power());
            case "poly" -> base * Math.pow(1.0 - (double) iter / s.maxIter(), s.power());
            case "sigmoid" -> base / (1.0 + Math.exp(-s.gamma() * (iter - s.stepsize())));
            default -> throw new IllegalArgumentException("unknown lr_policy '" + s.lrPolicy() + "'");
        };
    }

    /** Caffe's multistep {@code current_step}: how many stepvalues lie at or below {@code iter}. */
    public static int currentStep(SolverSettings s, int iter) {
        int step = 0;
        while (step < s.stepvalues().size() && iter >= s.stepvalues().get(step)) {
            step++;
        }
        return step;
    }
}
