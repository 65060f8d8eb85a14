custom_imports = dict(
    imports=['tests.foundation.dist_toy.toy'], allow_failed_imports=False)
default_scope = 'mmgaf'
model = dict(type='ToyRegressor')
train_dataloader = dict(
    dataset=dict(type='ToyData'),
    sampler=dict(type='DefaultSampler', shuffle=False),
    batch_size=1,
    num_workers=0,
    collate_fn=dict(type='pseudo_collate'))
train_cfg = dict(by_epoch=False, max_iters=1)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, by_epoch=False),
    logger=dict(type='LoggerHook', interval=1))
env_cfg = dict(dist_cfg=dict(backend='nccl'))
