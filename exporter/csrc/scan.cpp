// Sequential selective scan (QMAMBAIR.md section 1) for CPU training: forward and backward.
// u, delta: (B, GE, L); A: (GE, N); Bm, Cm: (B, G, N, L); D, bias: (GE). float32, contiguous.
// The backward recomputes the states of one (b, d) lane into a local buffer, so nothing of size
// B*GE*N*L is kept between forward and backward.
#include <torch/extension.h>
#include <ATen/Parallel.h>
#include <cmath>
#include <vector>

static inline float softplus_f(float v) { return v > 20.f ? v : std::log1p(std::exp(v)); }
static inline float dsoftplus_f(float v) { return v > 20.f ? 1.f : 1.f / (1.f + std::exp(-v)); }

torch::Tensor scan_fwd(torch::Tensor u, torch::Tensor delta, torch::Tensor A, torch::Tensor Bm,
                       torch::Tensor Cm, torch::Tensor D, torch::Tensor bias, bool dsp) {
  const int64_t B = u.size(0), GE = u.size(1), L = u.size(2), N = A.size(1), G = Bm.size(1);
  const int64_t E = GE / G;
  auto y = torch::empty_like(u);
  const float *pu = u.data_ptr<float>(), *pd = delta.data_ptr<float>(), *pA = A.data_ptr<float>(),
              *pB = Bm.data_ptr<float>(), *pC = Cm.data_ptr<float>(), *pD = D.data_ptr<float>(),
              *pb = bias.data_ptr<float>();
  float *py = y.data_ptr<float>();
  at::parallel_for(0, B * GE, 1, [&](int64_t s, int64_t e) {
    std::vector<float> h(N);
    for (int64_t i = s; i < e; ++i) {
      const int64_t b = i / GE, d = i % GE, g = d / E;
      const float *uu = pu + i * L, *dd = pd + i * L, *Ad = pA + d * N;
      const float *Bg = pB + (b * G + g) * N * L, *Cg = pC + (b * G + g) * N * L;
      float *yy = py + i * L;
      std::fill(h.begin(), h.end(), 0.f);
      for (int64_t t = 0; t < L; ++t) {
        float v = dd[t] + pb[d];
        float dt = dsp ? softplus_f(v) : v;
        float x = dt * uu[t];
        float acc = 0.f;
        for (int64_t n = 0; n < N; ++n) {
          h[n] = std::exp(dt * Ad[n]) * h[n] + x * Bg[n * L + t];
          acc += Cg[n * L + t] * h[n];
        }
        yy[t] = acc + pD[d] * uu[t];
      }
    }
  });
  return y;
}

std::vector<torch::Tensor> scan_bwd(torch::Tensor gy, torch::Tensor u, torch::Tensor delta, torch::Tensor A,
                                    torch::Tensor Bm, torch::Tensor Cm, torch::Tensor D, torch::Tensor bias,
                                    bool dsp) {
  const int64_t B = u.size(0), GE = u.size(1), L = u.size(2), N = A.size(1), G = Bm.size(1);
  const int64_t E = GE / G;
  auto gu = torch::empty_like(u);
  auto gdelta = torch::empty_like(delta);
  auto gA_l = torch::empty({B, GE, N}, u.options());
  auto gD_l = torch::empty({B, GE}, u.options());
  auto gb_l = torch::empty({B, GE}, u.options());
  auto gB = torch::zeros_like(Bm);
  auto gC = torch::zeros_like(Cm);
  const float *pgy = gy.data_ptr<float>(), *pu = u.data_ptr<float>(), *pd = delta.data_ptr<float>(),
              *pA = A.data_ptr<float>(), *pB = Bm.data_ptr<float>(), *pC = Cm.data_ptr<float>(),
              *pD = D.data_ptr<float>(), *pb = bias.data_ptr<float>();
  float *pgu = gu.data_ptr<float>(), *pgd = gdelta.data_ptr<float>(), *pgA = gA_l.data_ptr<float>(),
        *pgD = gD_l.data_ptr<float>(), *pgb = gb_l.data_ptr<float>(), *pgB = gB.data_ptr<float>(),
        *pgC = gC.data_ptr<float>();
  // one task per (b, g): it owns gB[b, g] and gC[b, g], so no races and no per-channel buffers
  at::parallel_for(0, B * G, 1, [&](int64_t s, int64_t e) {
    std::vector<float> hs((L + 1) * N), dAs(L * N), dts(L), carry(N), gAl(N);
    for (int64_t bg = s; bg < e; ++bg) {
      const int64_t b = bg / G, g = bg % G;
      const float *Bg = pB + bg * N * L, *Cg = pC + bg * N * L;
      float *gBg = pgB + bg * N * L, *gCg = pgC + bg * N * L;
      for (int64_t d = g * E; d < (g + 1) * E; ++d) {
        const int64_t i = b * GE + d;
        const float *uu = pu + i * L, *dd = pd + i * L, *Ad = pA + d * N, *gyy = pgy + i * L;
        for (int64_t n = 0; n < N; ++n) hs[n] = 0.f;
        for (int64_t t = 0; t < L; ++t) {
          float v = dd[t] + pb[d];
          float dt = dsp ? softplus_f(v) : v;
          dts[t] = dt;
          float x = dt * uu[t];
          for (int64_t n = 0; n < N; ++n) {
            const float dA = std::exp(dt * Ad[n]);
            dAs[t * N + n] = dA;
            hs[(t + 1) * N + n] = dA * hs[t * N + n] + x * Bg[n * L + t];
          }
        }
        std::fill(carry.begin(), carry.end(), 0.f);
        std::fill(gAl.begin(), gAl.end(), 0.f);
        float gDl = 0.f, gbl = 0.f;
        for (int64_t t = L - 1; t >= 0; --t) {
          const float gyt = gyy[t], ut = uu[t], dt = dts[t];
          gDl += gyt * ut;
          float gut = gyt * pD[d];
          float gdt = 0.f;
          for (int64_t n = 0; n < N; ++n) {
            const float ht = hs[(t + 1) * N + n], hp = hs[t * N + n];
            const float Bn = Bg[n * L + t];
            gCg[n * L + t] += gyt * ht;
            const float g_h = gyt * Cg[n * L + t] + carry[n];
            const float dA = dAs[t * N + n];
            const float gdA = g_h * hp;
            gdt += gdA * dA * Ad[n] + g_h * Bn * ut;
            gAl[n] += gdA * dA * dt;
            gBg[n * L + t] += g_h * dt * ut;
            gut += g_h * dt * Bn;
            carry[n] = g_h * dA;
          }
          const float v = dd[t] + pb[d];
          const float gv = dsp ? gdt * dsoftplus_f(v) : gdt;
          pgd[i * L + t] = gv;
          gbl += gv;
          pgu[i * L + t] = gut;
        }
        for (int64_t n = 0; n < N; ++n) pgA[i * N + n] = gAl[n];
        pgD[i] = gDl;
        pgb[i] = gbl;
      }
    }
  });
  return {gu, gdelta, gA_l.sum(0), gB, gC, gD_l.sum(0), gb_l.sum(0)};
}

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("fwd", &scan_fwd, "selective scan forward");
  m.def("bwd", &scan_bwd, "selective scan backward");
}
