# Body limits: a body of exactly TsciRegistryMaxBodySize is read, one byte
# more is refused (announced or chunked) and changes nothing, a body cut
# off by the client leaves nothing behind, and a large publish costs the
# serving child about one body of memory, not several copies of it.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use IO::Socket::INET ();
use IO::Compress::Gzip qw(gzip $GzipError);
use Archive::Tar ();
use Digest::SHA qw(sha1_hex);
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use TsciTest qw(base_url req json_of make_tarball publish_body adduser
                store_state data_dir sri512 unique);

Apache::Test::plan(tests => 20, have_lwp);

my $json = JSON::PP->new->canonical;
my $base = base_url('/npm/');
my $small = base_url('/small/');
my $limit = 4096;
my $token = adduser($base, unique('limits'), 'limits-pass-1');
my $name = unique('limits');
my ($hp) = $base =~ m{^http://([^/]+)} or die "no host in $base";

# A publish body of exactly $size bytes: padded with a member json-c
# ignores.
sub body_of_size {
    my ($version, $size) = @_;
    my $b = publish_body(name => $name, version => $version);
    my $len = length $json->encode($b);
    my $n = $size - $len - length(',"pad":""');
    die "publish body of $len bytes does not fit in $size" if $n < 0;
    $b->{pad} = 'x' x $n;
    my $text = $json->encode($b);
    die 'padding went wrong' unless length $text == $size;
    return $text;
}

# Send a request over a socket of its own: the body in chunked encoding
# (chunks => [...]), or announced with Content-Length (body => ..., with
# length => N to announce more than is sent and then hang up).  Returns
# the status and the decoded JSON reply (undef when the client hung up).
sub raw_put {
    my ($url_path, %o) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $hp, Timeout => 60)
        or die "connect $hp: $!";
    my $head = "PUT $url_path HTTP/1.1\r\nHost: $hp\r\n"
        . "Authorization: Bearer $token\r\n"
        . "Content-Type: application/json\r\nConnection: close\r\n";
    if ($o{chunks}) {
        print $sock "${head}Transfer-Encoding: chunked\r\n\r\n";
        printf $sock "%x\r\n%s\r\n", length $_, $_ for @{ $o{chunks} };
        print $sock "0\r\n\r\n";
    }
    else {
        my $n = $o{length} // length $o{body};
        print $sock "${head}Content-Length: $n\r\n\r\n$o{body}";
        if ($n > length $o{body}) {
            close $sock;
            return;
        }
    }
    my $reply = do { local $/; <$sock> } // '';
    close $sock;
    my ($status) = $reply =~ m{^HTTP/1\.1 (\d{3}) } or return (0, undef);
    my ($text) = $reply =~ m{\r\n\r\n(.*)\z}s;
    return ($status, eval { $json->decode($text) });
}

# Cut a text in pieces of about n bytes, for chunked bodies.
sub pieces {
    my ($text, $n) = @_;
    my $count = int((length($text) - 1) / $n) + 1;
    return map { substr $text, $_ * $n, $n } 0 .. $count - 1;
}

# 1. Exactly the limit: accepted, announced and chunked.
my $res = req(PUT => "$small$name", token => $token,
              body => body_of_size('1.0.0', $limit));
is $res->code, 201, "a body of exactly $limit bytes is accepted"
    or diag $res->content;
my ($status, $reply) = raw_put("/small/$name",
                               chunks => [pieces(body_of_size('1.1.0', $limit),
                                                 1000)]);
is $status, 201, "a chunked body of exactly $limit bytes is accepted"
    or diag explain $reply;

# 2. One byte more: refused, before reading when announced.
my $before = store_state($base, $name);
$res = req(PUT => "$small$name", token => $token,
           body => body_of_size('2.0.0', $limit + 1));
is $res->code, 413, 'one byte over the limit, announced: 413';
like json_of($res) && json_of($res)->{error},
    qr/of 4097 bytes is larger than the limit of 4096/, '413 reason';
is store_state($base, $name), $before, 'store unchanged';

my $over = body_of_size('2.0.0', $limit + 1);
($status, $reply) = raw_put("/small/$name", chunks => [pieces($over, 1000)]);
is $status, 413, 'one byte over the limit, chunked: 413';
like $reply && $reply->{error}, qr/larger than the limit of 4096 bytes/,
    'chunked 413 reason';
is store_state($base, $name), $before, 'store unchanged';

# 3. A client that announces a large publish and hangs up inside the
# attachment's data leaves no file and no version behind.
my $tmp = data_dir() . '/tmp';
{
    my $b = publish_body(name => $name, version => '3.0.0');
    my $text = $json->encode($b);
    my $at = index $text, '"data":"';
    die 'no data in the body' if $at < 0;
    my $part = substr($text, 0, $at + 8) . ('QUJD' x 250_000);
    raw_put("/npm/$name", body => $part, length => length($part) + 5_000_000);
}
# The child finds the connection closed at its next read; give it time.
my $left;
for (1 .. 20) {
    select undef, undef, undef, 0.25;
    opendir my $dh, $tmp or die "$tmp: $!";
    $left = join ' ', grep { !/^\.\.?$/ } readdir $dh;
    last if $left eq '';
}
is $left, '', 'a body cut off by the client leaves nothing in tmp/';
is store_state($base, $name), $before, 'store unchanged by the cut-off body';
$res = req(GET => "$base$name");
ok !exists json_of($res)->{versions}{'3.0.0'}, 'no version from it';

# 4. Memory: a large publish grows the serving child's peak resident set
# by about the tarball, not by several copies of the body.  VmHWM is reset
# (clear_refs 5) in every child first, so an earlier peak cannot hide
# this one.
sub children {
    my $ppid = do {
        my $pidfile = Apache::Test::vars('t_logs') . '/httpd.pid';
        open my $fh, '<', $pidfile or die "$pidfile: $!";
        my $p = <$fh>;
        chomp $p;
        $p;
    };
    my %kids;
    for my $status (glob '/proc/[0-9]*/status') {
        open my $fh, '<', $status or next;
        my %f = map { /^(\w+):\s+(\d+)/ ? ($1 => $2) : () } <$fh>;
        next unless ($f{PPid} // 0) == $ppid;
        my ($pid) = $status =~ m{/proc/(\d+)/};
        $kids{$pid} = \%f;
    }
    return \%kids;
}

my $rand = do {
    open my $fh, '<:raw', '/dev/urandom' or die $!;
    my ($n, $buf) = (27_000_000, '');
    my $got = read $fh, $buf, $n;
    die 'short read of /dev/urandom' unless $got == $n;
    $buf;
};
my $tgz = do {
    my $tar = Archive::Tar->new;
    $tar->add_data('package/package.json',
                   $json->encode({ name => $name, version => '4.0.0' }));
    $tar->add_data('package/big.bin', $rand);
    my $plain = $tar->write;
    my $gz;
    gzip(\$plain => \$gz, Minimal => 1, -Level => 1) or die $GzipError;
    $gz;
};
undef $rand;
my $big = do {
    my $b = publish_body(name => $name, version => '4.0.0', tarball => 'x');
    my ($key) = keys %{ $b->{_attachments} };
    $b->{_attachments}{$key}{length} = length $tgz;
    $b->{_attachments}{$key}{data} = '@DATA@';
    my $m = $b->{versions}{'4.0.0'};
    $m->{dist}{shasum} = sha1_hex($tgz);
    $m->{dist}{integrity} = sri512($tgz);
    my $text = $json->encode($b);
    my $data = encode_base64($tgz, '');
    $text =~ s/\@DATA\@/$data/ or die 'no place for the data';
    $text;
};
my $body_len = length $big;
ok $body_len > 30_000_000 && $body_len < 100_000_000,
    "a large publish body ($body_len bytes) within the default limit";

my $kids = children();
ok scalar(keys %$kids) > 0, 'the Apache children are found';
my %base;
for my $pid (keys %$kids) {
    if (open my $fh, '>', "/proc/$pid/clear_refs") {
        print $fh "5\n";
        close $fh;
    }
    my $k = children()->{$pid} or next;
    $base{$pid} = $k->{VmRSS};
}
my ($floor) = sort { $a <=> $b } values %base;
$res = req(PUT => "$base$name", token => $token, body => $big);
is $res->code, 201, 'the large package is published' or diag $res->content;
my $after = children();
my $growth = 0;
for my $pid (keys %$after) {
    my $g = ($after->{$pid}{VmHWM} // 0) - ($base{$pid} // $floor);
    $growth = $g if $g > $growth;
}
$growth *= 1024;
diag sprintf 'body %.1f MB, tarball %.1f MB, peak growth of the serving '
    . 'child %.1f MB', $body_len / 1e6, length($tgz) / 1e6, $growth / 1e6;
# The decoded tarball is resident while it is checked: a growth below
# half of it means the measure missed the serving child.
ok $growth > 0.5 * length $tgz, 'the serving child was measured';
ok $growth < 2 * $body_len, 'its peak grew by less than twice the body';
ok $growth < 1.25 * $body_len, 'in fact by about one body at most';

$res = req(GET => "$base$name/-/$name-4.0.0.tgz");
is $res->code, 200, 'the large tarball is served';
ok $res->content eq $tgz, 'byte for byte';
undef $res;

opendir my $dh, $tmp or die "$tmp: $!";
is join(' ', grep { !/^\.\.?$/ } readdir $dh), '',
    'nothing is left in tmp/ after the publishes';
