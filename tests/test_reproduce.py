"The reproduction runner end to end at the `quick` profile (real Fashion-MNIST, 1000 rows, 2 epochs): Figures 4 and 5 and the remedy tables, with equivalences that must hold exactly."
import json
from pytest import approx
from conftest import sharpnb, needs_fmnist

def reproduce(tmp_path, artifact):
    r = sharpnb('reproduce', artifact, '--profile', 'quick', '--runs', tmp_path/'runs', '--results', tmp_path/'res', '--device', 'cpu', check=0)
    assert artifact in r.stdout
    return json.loads((tmp_path/'res'/f'{artifact}-quick.json').read_text())

@needs_fmnist
def test_fig4_fig5_and_remedy_tables(tmp_path):
    f4 = reproduce(tmp_path, 'fig4')['result']['F1/fashion-mnist']
    assert [x['bs'] for x in f4['rows']] == [100, 256] and f4['bn'] == 'batch'
    assert all(x['phi']['0.001']['mean'] > x['phi']['0.0005']['mean'] > 0 and x['seeds'] == [0] for x in f4['rows'])
    # Figure 4's LB-sized point is Table 2's LB run (1000 rows: LB = 100), not a retrained copy
    assert not (tmp_path/'runs'/'reproduce-quick'/'F1-fashion-mnist-bs100-s0').exists()
    assert (tmp_path/'runs'/'reproduce-quick'/'F1-fashion-mnist-LB-s0'/'result.json').exists()

    f5 = reproduce(tmp_path, 'fig5')['result']['F1/fashion-mnist']
    assert [x['sb_epoch'] for x in f5['rows']] == [0, 2]
    lr = reproduce(tmp_path, 'lrscale')['result']
    assert set(lr) == {'lr-linear', 'lr-sqrt', 'ghost-bn'}
    for row in lr.values():
        r = row['F1/fashion-mnist']
        assert r['lb_test']['n'] == r['lb_plain_test']['n'] == 1 and r['phi']['0.001']['mean'] > 0
    # warm-starting LB from SB's epoch 0 (= x0) is plain LB: same weights, same seed, same batches
    plain = lr['ghost-bn']['F1/fashion-mnist']['lb_plain_test']['values'][0]
    assert f5['rows'][0]['lb_test_acc'] == approx(plain, abs=1e-9) and f4['rows'][0]['test_acc']['mean'] == approx(plain, abs=1e-9)
    # ghost batches of 128 rows over LB batches of 100 rows are plain BN: the runs are identical
    g = lr['ghost-bn']['F1/fashion-mnist']
    assert g['lb_test']['values'] == g['lb_plain_test']['values']
    # linear scaling to bs 100 lowers the lr (100/256): a different run
    assert lr['lr-linear']['F1/fashion-mnist']['lb_test']['values'] != g['lb_plain_test']['values']
