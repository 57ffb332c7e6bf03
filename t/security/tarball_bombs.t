# Tarball bombs and tricks: tarballs that inflate or declare far more than
# they carry, and entries that would land outside package/ or are not plain
# files, are refused with a 4xx and a reason that names the problem, fast,
# and the store is exactly as it was.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use Compress::Zlib qw(deflateInit Z_OK Z_STREAM_END Z_FINISH MAX_WBITS
                      Z_BEST_SPEED);
use JSON::PP ();
use Time::HiRes qw(time);
use TsciTest qw(base_url req json_of publish_body adduser publish store_state
                unique);

my $base = base_url('/npm/');
my $token = adduser($base, unique('bomber'), 'bomb-pass-1');
my $name = unique('bombed');
my $good = publish($base, $token, name => $name, version => '1.0.0');
die 'setup publish failed: ' . $good->content unless $good->code == 201;

# A gzip member written a piece at a time: zeros are deflated 64 KiB at a
# time, never held whole, so a bomb of hundreds of megabytes is cheap.
sub gz_new {
    my ($d, $st) = deflateInit(-Level => Z_BEST_SPEED,
                               -WindowBits => 16 + MAX_WBITS);
    die "deflateInit: $st" unless $st == Z_OK;
    return { d => $d, out => '' };
}

sub gz_add {
    my ($g, $bytes) = @_;
    my ($o, $st) = $g->{d}->deflate($bytes);
    die "deflate: $st" unless $st == Z_OK;
    $g->{out} .= $o;
}

sub gz_zeros {
    my ($g, $n) = @_;
    my $block = "\0" x 65536;
    while ($n > 0) {
        my $k = $n > 65536 ? 65536 : $n;
        gz_add($g, $k == 65536 ? $block : "\0" x $k);
        $n -= $k;
    }
}

sub gz_done {
    my $g = shift;
    my ($o, $st) = $g->{d}->flush(Z_FINISH);
    die "flush: $st" unless $st == Z_OK || $st == Z_STREAM_END;
    return $g->{out} . $o;
}

# A ustar header: path, type, declared size (octal), link target.
sub header {
    my ($path, $type, $size, $link) = @_;
    my $h = pack 'a100 a8 a8 a8 a12 a12 a8 a1 a100 a6 a2 a32 a32 a8 a8 a155'
               . ' a12',
        $path, '0000644', '0000000', '0000000', sprintf('%011o', $size),
        '14000000000', ' ' x 8, $type, $link // '', 'ustar', '00', '', '',
        '', '', '', '';
    my $sum = unpack '%32C*', $h;
    substr($h, 148, 8) = sprintf "%06o\0 ", $sum;
    return $h;
}

# Header, data, zeros to the next block.
sub entry {
    my ($g, $path, $type, $data, %o) = @_;
    gz_add($g, header($path, $type, $o{size} // length $data, $o{link}));
    gz_add($g, $data . "\0" x ((512 - length($data) % 512) % 512))
        if length $data;
}

# A member that starts with the package.json of $name@2.0.0, open for more.
my $json = JSON::PP->new->canonical;
sub start {
    my $g = gz_new();
    entry($g, 'package/package.json', '0',
          $json->encode({ name => $name, version => '2.0.0' }));
    return $g;
}

my $GiB = 1024 * 1024 * 1024;
my @cases = (
    ['zeros after the end marker', 400,
     qr/bytes of padding after the end of its tar archive/,
     do { my $g = start(); gz_zeros($g, 1024 + 256 * 1024 * 1024);
          gz_done($g) }],
    ['data after the end marker', 400,
     qr/data after the end of its tar archive/,
     do { my $g = start(); gz_zeros($g, 1024);
          entry($g, 'package/hidden.js', '0', "1;\n"); gz_zeros($g, 1024);
          gz_done($g) }],
    ['a second gzip member', 400, qr/more than one gzip member/,
     do { my $g = start(); gz_zeros($g, 1024); my $one = gz_done($g);
          $one . $one }],
    ['a file declaring 4 GiB', 413,
     qr/entry "package\/big\.bin" declares 4294967296 bytes/,
     do { my $g = start(); entry($g, 'package/big.bin', '0', '',
                                 size => 4 * $GiB);
          gz_zeros($g, 64 * 1024 * 1024); gz_done($g) }],
    ['a directory declaring 1.5 GiB', 400,
     qr/"package\/dir" is a directory that declares 1610612736 bytes/,
     do { my $g = start(); entry($g, 'package/dir', '5', '',
                                 size => 3 * $GiB / 2);
          gz_zeros($g, 16 * 1024 * 1024); gz_done($g) }],
    ['GNU long names of 1 MB', 413, qr/path is longer than 4096 bytes/,
     do { my $g = start(); my $long = 'package/' . ('n' x (1024 * 1024));
          for (1 .. 20) {
              entry($g, '././@LongLink', 'L', "$long\0");
              entry($g, 'package/x', '0', '');
          }
          gz_zeros($g, 1024); gz_done($g) }],
    (map {
        my ($label, $path, $type, $why, %o) = @$_;
        [$label, 400, $why,
         do { my $g = start(); entry($g, $path, $type, '', %o);
              gz_zeros($g, 1024); gz_done($g) }]
     } (['../escape', '../escape', '0',
         qr/"\.\.\/escape" has a "\.\." component/],
        ['an absolute path', '/etc/cron.d/evil', '0',
         qr/"\/etc\/cron\.d\/evil" has an absolute path/],
        ['outside package/', 'other/x.js', '0',
         qr/"other\/x\.js" is outside package\//],
        ['a symlink to /etc/passwd', 'package/passwd', '2',
         qr/"package\/passwd" is a symbolic link/, link => '/etc/passwd'],
        ['a hard link', 'package/hard', '1',
         qr/"package\/hard" is a hard link/, link => 'package/package.json'],
        ['a character device', 'package/tty', '3',
         qr/"package\/tty" is a character device/],
        ['a FIFO declaring 1.5 GiB', 'package/fifo', '6',
         qr/"package\/fifo" is a FIFO/, size => 3 * $GiB / 2])),
);

Apache::Test::plan(tests => 4 * @cases, have_lwp);

for my $c (@cases) {
    my ($label, $status, $pat, $tgz) = @$c;
    my $before = store_state($base, $name);
    my $t0 = time;
    my $res = publish($base, $token, name => $name, version => '2.0.0',
                      tarball => $tgz);
    my $took = time - $t0;
    is $res->code, $status, "$label: $status";
    my $e = json_of($res);
    like $e && $e->{error}, $pat, "$label: reason"
        or diag $res->content;
    is store_state($base, $name), $before, "$label: store unchanged";
    # generous: the old code spent tens of seconds; a refusal at the header
    # takes milliseconds
    cmp_ok $took, '<', 5, "$label: refused in under 5 s";
}
