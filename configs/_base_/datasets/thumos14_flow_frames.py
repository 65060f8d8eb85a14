# THUMOS14 as TV-L1 optical flow images, for AFSD's flow stream
# (configs/thumos14_flow.yaml of the original code). Prepare under data_root:
#     annotations/thumos14.json, annotations/classes.txt: as
#         thumos14_frames.py, from the video info CSVs (each video's fps)
#     flow/<video>/flow_x_00000.jpg, flow_y_00000.jpg, ...: the flow of
#         every frame at the video's own rate, as AFSD's
#         gen_denseflow_npy.py makes it:
#         denseflow VIDEO -b=20 -a=tvl1 -s=1 -o=flow
# As AFSD's gen_flow_npy_with_sample: the flow images of the frames its
# video2npy keeps (SampleWindowFrames rule='video2npy' at the video's fps;
# past the last image the last one repeats, as AFSD pads to sample_count),
# resized with PIL's bicubic; then the RGB recipe's windows, crops and
# boundary-contrastive copy. One departure: MMAction2's Flip negates the x
# flow of a mirrored clip (255 - x), AFSD's flip does not (its mirrored
# clips move the wrong way); testing, with centre crops, is the same.
# Inputs are (2, 256, 96, 96); the model's data preprocessor scales them
# to [-1, 1] (mean=[127.5] * 2, std=[127.5] * 2).
_base_ = ['./thumos14_frames.py']

flow_decode = [
    dict(type='RawFrameInit'),  # each video's fps
    dict(type='SampleWindowFrames', rule='video2npy'),
    dict(type='RawFrameDecode'),
    dict(
        type='ResizeFrames',
        scale=(112, 112),
        keep_ratio=False,
        interpolation='bicubic',
        backend='pillow')
]
train_pipeline = flow_decode + [
    dict(type='RandomCrop', size=96),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='ConvertGtToWindow'),
    dict(type='BoundaryContrast'),
    dict(type='PackTADInputs')
]
test_pipeline = flow_decode + [
    dict(type='CenterCrop', crop_size=96),
    dict(type='ConvertGtToWindow'),
    dict(type='PackTADInputs')
]
flow_source = dict(
    data_prefix=dict(_delete_=True, img='flow'),
    modality='Flow',
    filename_tmpl='flow_{}_{:05}.jpg',
    start_index=0)

train_dataloader = dict(dataset=dict(**flow_source, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(**flow_source, pipeline=test_pipeline))
test_dataloader = val_dataloader
