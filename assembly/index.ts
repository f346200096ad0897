// The kernel ABI: every export takes byte offsets into the one imported linear memory.
export { gemm_nt, gemm_nt_bias_act, gemm_nn, gemm_tn, gemm_scratch_bytes, gemm_nt_bias_act_skip, gemm_tn_skip, gemm_nt_skip, gemm_nn_skip, gemm_tn_skip_a, gemm_tn_skip_grouped } from './gemm';
export { gemm_nt_bias_act_lists, gemm_tn_lists, gemm_nn_lists } from './gemm-lists';
export { gemm_tn_lists_a } from './gemm-lists-a';
export { bias_act, act_backward } from './elementwise';
export { bernoulli_nll, gaussian_nll, gaussian_logvar_grad, latent_forward, latent_backward, sigmoid } from './loss';
export { normal_rows, uniform_fill } from './random';
export { dropout_forward, dropout_backward } from './dropout';
export { binarize_rows, column_means } from './binarize';
export { image_to_rows } from './image';
export { im2col, col2im, transpose_rows } from './conv';
export { normal_samples, latent_log_ratio, bernoulli_nll_rows, gaussian_nll_rows, log_sum_exp_update, repeat_row,
  expand_rows, iwae_weights, scale_rows, latent_backward_iwae, fill_i32 } from './density';
export { interpolate_rows, column_moments, add_scaled_rows, traversal_rows } from './latent';
export { count_nonzero } from './sparse';
export { adam_step, sgd_step } from './optim';
export { col_sums, sum_squares, scale, fill, gather_f32, gather_u8, first_invalid, all_finite, concat_onehot, take_cols } from './reduce';

/** First byte after the module's static data: the TypeScript arena starts here. */
export function heap_base(): usize {
  return __heap_base;
}

/** 1 in the relaxed-SIMD build, 0 in the plain SIMD build. */
export function relaxed_simd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
export { peak_madd, peak_tile } from './bench';
