"""XOR, the problem a single-layer perceptron cannot solve, learned by a 2-4-1 network with
back-propagation and gradient descent (w ← w − η ∂L/∂w).  Run: python examples/xor.py"""

import shenjing as sj
from shenjing import nn

sj.manual_seed(0)
x = sj.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = sj.tensor([[0.0], [1.0], [1.0], [0.0]])

model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
optimizer = sj.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
loss_fn = nn.MSELoss()

for epoch in range(2001):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)   # forward: ŷ = σ(W₂ tanh(W₁x + b₁) + b₂)
    loss.backward()               # backward: ∂L/∂w for every weight
    optimizer.step()              # update: w ← w − η ∂L/∂w
    if epoch % 500 == 0:
        print(f"epoch {epoch:4d}  loss {loss.item():.5f}")

with sj.no_grad():
    print("x1 x2 -> ŷ")
    for xi, yi in zip(x.tolist(), model(x).tolist()):
        print(f" {xi[0]:.0f}  {xi[1]:.0f} -> {yi[0]:.3f}")
